import type { PruneEventsQuery, PruneEventsStep } from './store.js';

/** What a retention step found among the events it looked at, and the seq range to delete from (if any is old). */
export interface PrunePlan {
  step: PruneEventsStep;
  /** Delete `first <= seq <= last AND at < before` when set; null when nothing looked at is old. */
  range: { first: number; last: number } | null;
}

/** The part of a retention step both stores share: given the events looked at (seq order), says what was seen. */
export function planPruneStep(rows: { seq: number; at: number }[], q: PruneEventsQuery): PrunePlan {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return { step: { examined: 0, deleted: 0, lastSeq: q.afterSeq, sawRecent: false }, range: null };
  let anyOld = false;
  let sawRecent = false;
  for (const r of rows) {
    if (r.at < q.before) anyOld = true;
    // Dated ahead of now (a clock that ran fast, then was put right): neither old nor a sign the sweep is done.
    else if (r.at <= q.now) sawRecent = true;
  }
  return {
    step: { examined: rows.length, deleted: 0, lastSeq: last.seq, sawRecent },
    range: anyOld ? { first: first.seq, last: last.seq } : null,
  };
}
