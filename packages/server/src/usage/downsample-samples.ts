import type { UsageSample } from '../store/usage-store.js';

/**
 * Reduces samples (oldest first) to at most `points` by splitting `[from, to]` into equal buckets and keeping the
 * sample with the highest use in each, so a chart of the result still shows every peak.
 */
export function downsampleSamples(samples: UsageSample[], from: number, to: number, points: number): UsageSample[] {
  if (samples.length <= points) return samples;
  const width = Math.max(1, (to - from + 1) / points);
  const out: UsageSample[] = [];
  let bucket = -1;
  for (const s of samples) {
    const b = Math.min(points - 1, Math.floor((s.at - from) / width));
    const last = out.at(-1);
    if (b !== bucket || !last) {
      out.push(s);
      bucket = b;
    } else if (s.used > last.used) out[out.length - 1] = s;
  }
  return out;
}

/** The sample with the highest use (the earliest of equal ones), or null without samples. */
export function peakSample(samples: UsageSample[]): UsageSample | null {
  let peak: UsageSample | null = null;
  for (const s of samples) if (!peak || s.used > peak.used) peak = s;
  return peak;
}
