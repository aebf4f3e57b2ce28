import type { UsageModule } from '../api/types.js';
import { formatDateTime } from './format.js';

const W = 640;
const H = 220;
const M = { l: 40, r: 16, t: 22, b: 28 };

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A step path through (time, value) points: a sample holds until the next one. */
function stepPath(points: [number, number][]): string {
  let d = '';
  points.forEach(([x, y], i) => {
    const prev = points[i - 1];
    d += i === 0 ? `M${x.toFixed(1)},${y.toFixed(1)}` : `H${x.toFixed(1)}V${y.toFixed(1)}`;
    if (!prev && points.length === 1) d += `H${(x + 2).toFixed(1)}`;
  });
  return d;
}

const HOUR = 3_600_000;

/** Times for the x axis on whole hours or local midnights, at most about seven of them. */
function timeTicks(from: number, to: number): number[] {
  const span = to - from;
  const steps = [
    5 * 60_000,
    15 * 60_000,
    30 * 60_000,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    24 * HOUR,
    2 * 24 * HOUR,
    5 * 24 * HOUR,
    7 * 24 * HOUR,
  ];
  const step = steps.find((s) => span / s <= 7) ?? 7 * 24 * HOUR;
  const start = new Date(from);
  if (step >= 24 * HOUR) start.setHours(24, 0, 0, 0);
  else start.setTime(Math.ceil(from / step) * step);
  const out: number[] = [];
  for (let t = start.getTime(); t <= to && out.length < 12; t += step) out.push(t);
  return out;
}

/** A round step (1, 2, 2.5 or 5 × 10ⁿ) that cuts `top` into about four parts. */
function niceStep(top: number): number {
  const raw = Math.max(1, top / 4);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  // 2.5 only where it stays a whole number: counts of slots have no halves.
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 && mag >= 10 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/**
 * Concurrent use of one module over time (hand-written SVG): use as a filled step line, the licensed quantity
 * dashed, blocked members in red, and the peak marked with its value and time.
 */
export function UsageChart({ module: m, from, to }: { module: UsageModule; from: number; to: number }) {
  const samples = m.samples;
  // A period without any use has no peak worth marking.
  const peak = m.peak && m.peak.used > 0 ? m.peak : null;
  const quantities = samples.map((s) => s.quantity ?? 0);
  const top = Math.max(1, peak?.used ?? 0, m.quantity ?? 0, ...quantities, ...samples.map((s) => s.blocked));
  const step = niceStep(top);
  // Headroom above the highest line, so the peak label never touches the top.
  const yMax = (Math.floor((top * 1.1) / step) + 1) * step;
  const yTicks: number[] = [];
  for (let v = 0; v <= yMax; v += step) yTicks.push(v);
  const span = Math.max(1, to - from);
  const x = (t: number) => M.l + ((t - from) / span) * (W - M.l - M.r);
  const y = (v: number) => H - M.b - (v / yMax) * (H - M.t - M.b);
  const used = samples.map((s): [number, number] => [x(s.at), y(s.used)]);
  const last = samples.at(-1);
  const area = used.length
    ? `${stepPath(used)}H${x(last?.at ?? to).toFixed(1)}V${y(0)}H${used[0]?.[0].toFixed(1)}Z`
    : '';
  const qty = samples.filter((s) => s.quantity !== null).map((s): [number, number] => [x(s.at), y(s.quantity ?? 0)]);
  const blocked = samples.some((s) => s.blocked > 0)
    ? samples.map((s): [number, number] => [x(s.at), y(s.blocked)])
    : [];
  const multiDay = span > 36 * 3_600_000;
  const ticks = timeTicks(from, to);
  const peakX = peak ? x(peak.at) : 0;
  const peakLabel = peak
    ? `Peak ${peak.used}${peak.quantity !== null ? ` of ${peak.quantity}` : ''} · ${formatDateTime(peak.at)}`
    : '';
  const summary = peak
    ? `${m.name}: ${samples.length} samples; ${peakLabel}`
    : `${m.name}: ${samples.length ? 'not used' : 'no samples'} in this period`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <title>{summary}</title>
        {yTicks.map((v) => (
          <g key={v}>
            <line x1={M.l} x2={W - M.r} y1={y(v)} y2={y(v)} className="grid" />
            <text x={M.l - 8} y={y(v) + 4} textAnchor="end" className="axis">
              {v}
            </text>
          </g>
        ))}
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={H - 8} textAnchor={x(t) > W - M.r - 20 ? 'end' : 'middle'} className="axis">
            {multiDay ? day.format(t) : clock.format(t)}
          </text>
        ))}
        {area && <path d={area} className="area" />}
        {used.length > 0 && <path d={stepPath(used)} className="line" />}
        {qty.length > 0 && <path d={stepPath(qty)} className="quantity" />}
        {blocked.length > 0 && <path d={stepPath(blocked)} className="blocked-line" />}
        {peak && (
          <g className="peak">
            <line x1={peakX} x2={peakX} y1={y(peak.used)} y2={H - M.b} />
            <circle cx={peakX} cy={y(peak.used)} r={5} />
            <text
              x={Math.min(Math.max(peakX, M.l + 60), W - M.r - 60)}
              y={Math.max(12, y(peak.used) - 10)}
              textAnchor="middle"
            >
              {`Peak ${peak.used}`}
            </text>
          </g>
        )}
        {samples.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle" className="axis">
            No samples in this period yet
          </text>
        )}
      </svg>
      <figcaption>
        <span className="legend legend-used">in use</span>
        {qty.length > 0 && <span className="legend legend-quantity">licensed</span>}
        {blocked.length > 0 && <span className="legend legend-blocked">blocked</span>}
        {peak && <span className="peak-caption">{peakLabel}</span>}
      </figcaption>
    </figure>
  );
}
