const TONE: Record<string, string> = {
  active: 'ok',
  connected: 'ok',
  valid: 'ok',
  online: 'ok',
  ok: 'ok',
  over_quota: 'bad',
  synced: 'ok',
  blocked: 'bad',
  expired: 'bad',
  lapsed: 'bad',
  missing: 'bad',
  over: 'bad',
  unlicensed: 'bad',
  offline: 'warn',
  grace: 'warn',
  warning: 'warn',
  degraded: 'warn',
  not_yet_valid: 'warn',
};

/** A state in words with a colour: green fine, amber attention, red blocked or lost. */
export function StateBadge({ state, tone }: { state: string; tone?: 'ok' | 'warn' | 'bad' | 'neutral' }) {
  return <span className={`badge badge-${tone ?? TONE[state] ?? 'neutral'}`}>{state.replaceAll('_', ' ')}</span>;
}
