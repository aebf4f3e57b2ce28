/** Formatting for people: dates, durations, policies. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A date and time, e.g. "23 Nov 2026, 14:05". */
export function formatDateTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return '—';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d);
}

/** How long ago, e.g. "12 s ago", "3 min ago", "2 h ago". */
export function formatAgo(t: number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return 'never';
  const s = Math.round((now - t) / 1000);
  if (s < 0) return `in ${formatDuration(-s * 1000)}`;
  if (s < 5) return 'just now';
  return `${formatDuration(s * 1000)} ago`;
}

/** A duration, e.g. "45 s", "12 min", "3 h", "4 d". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400 * 2) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/** Whole days from now until `t` (negative once past). */
export function daysUntil(t: number | string, now = Date.now()): number {
  return Math.floor((new Date(t).getTime() - now) / 86_400_000);
}

/** What a pool's policy does, in a few words. */
export function describeStrategy(strategy: string): string {
  switch (strategy) {
    case 'REJECT_NEW':
      return 'Refuses newcomers when full';
    case 'EVICT_INACTIVE':
      return 'Evicts the longest-idle holder when full';
    case 'BLOCK_LATEST':
      return 'Blocks the latest members beyond the quantity';
    case 'DEGRADE':
      return 'Limits operations when over quota';
    case 'UNCOUNTED':
      return 'Not counted (enabled or not)';
    default:
      return strategy;
  }
}

const EXPONENT: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  ISK: 0,
  CLP: 0,
  VND: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
  OMR: 3,
  TND: 3,
};

/** Minor units of a currency for an amount people type ("50", "12.34"); null when it is not an amount. */
export function parseAmount(text: string, currency: string): number | null {
  const exp = EXPONENT[currency] ?? 2;
  const m = /^(\d{1,12})(?:[.,](\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[2].length > exp)) return null;
  const minor = Number(m[1]) * 10 ** exp + Number((m[2] ?? '').padEnd(exp, '0') || '0');
  return minor > 0 ? minor : null;
}

/** Minor units as money, e.g. 4990 EUR → "49.90 EUR". */
export function formatMoney(amount: number, currency: string): string {
  const exp = EXPONENT[currency] ?? 2;
  const sign = amount < 0 ? '−' : '';
  const abs = Math.abs(amount);
  if (exp === 0) return `${sign}${abs.toLocaleString()} ${currency}`;
  const scale = 10 ** exp;
  return `${sign}${Math.floor(abs / scale).toLocaleString()}.${String(abs % scale).padStart(exp, '0')} ${currency}`;
}
