import { useEffect, useState } from 'react';
import type { UsageAnswer, UsageModule } from '../api/types.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { useInterval } from '../app/use-interval.js';
import { formatDuration } from '../components/format.js';
import { ErrorNotice } from '../components/notice.js';
import { UsageChart } from '../components/usage-chart.js';

const RANGES = [
  { label: 'Hour', ms: 3_600_000 },
  { label: 'Day', ms: 86_400_000 },
  { label: 'Week', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
];

/** The shortest period that shows all the history there is (a node sampling for an hour opens on the hour, not a week). */
export function rangeFor(u: UsageAnswer): number {
  let first = u.to;
  for (const m of u.modules) for (const x of m.samples) if (x.at < first) first = x.at;
  const span = u.to - first;
  // A little slack, so a week of history is shown as a week rather than 30 days.
  return (RANGES.find((r) => r.ms * 1.05 >= span) ?? RANGES[RANGES.length - 1]!).ms;
}

/** Concurrent use per module over time, with each peak marked, from the samples the node records. */
export function UsagePage() {
  const { api } = useSession();
  // Null until the node's history says which period suits it.
  const [range, setRange] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 30_000);
  useEffect(() => {
    const longest = RANGES[RANGES.length - 1]!.ms;
    const at = Date.now();
    api<UsageAnswer>('GET', `/v1/usage?from=${at - longest}&to=${at}&points=1000`).then(
      (u) => setRange((r) => r ?? rangeFor(u)),
      () => setRange((r) => r ?? RANGES[1]!.ms),
    );
  }, [api]);
  const usage = useApiData(
    () =>
      range === null
        ? Promise.resolve(null)
        : api<UsageAnswer>('GET', `/v1/usage?from=${now - range}&to=${now}&points=400`),
    `${range}-${now}`,
  );
  const u = usage.data;
  // Busiest first (by peak against the licensed quantity); modules nobody used are listed in one line below.
  const ratio = (m: UsageModule) => (m.peak ? m.peak.used / Math.max(1, m.peak.quantity ?? m.peak.used) : 0);
  const used = (u?.modules ?? [])
    .filter((m) => (m.peak?.used ?? 0) > 0)
    .sort((a, b) => ratio(b) - ratio(a) || a.moduleId - b.moduleId);
  const unused = (u?.modules ?? []).filter((m) => (m.peak?.used ?? 0) === 0);
  return (
    <section aria-labelledby="usage-title">
      <h1 id="usage-title">Usage</h1>
      <div className="section-head">
        <p className="muted">
          {u ? `Sampled every ${formatDuration(u.intervalMs)}, kept ${formatDuration(u.retentionMs)}.` : 'Loading…'}{' '}
          Peaks between two samples are not seen.
        </p>
        <fieldset className="segmented">
          <legend className="visually-hidden">Period</legend>
          {RANGES.map((r) => (
            <button
              key={r.ms}
              type="button"
              aria-pressed={range === r.ms}
              className={range === r.ms ? 'on' : undefined}
              onClick={() => {
                setRange(r.ms);
                setNow(Date.now());
              }}
            >
              {r.label}
            </button>
          ))}
        </fieldset>
      </div>
      {usage.error && <ErrorNotice error={usage.error} />}
      <div className="charts">
        {used.map((m) => (
          <article key={m.moduleId} className="card chart-card" aria-labelledby={`chart-${m.moduleId}`}>
            <h2 id={`chart-${m.moduleId}`}>
              {m.name} <span className="muted small">{m.moduleId}</span>
            </h2>
            <UsageChart module={m} from={u?.from ?? 0} to={u?.to ?? 0} />
          </article>
        ))}
      </div>
      {unused.length > 0 && (
        <p className="muted unused">
          Not used in this period: {unused.map((m) => `${m.name} (${m.moduleId})`).join(', ')}.
        </p>
      )}
    </section>
  );
}
