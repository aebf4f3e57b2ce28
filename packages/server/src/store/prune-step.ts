import type { PruneEventsQuery, PruneEventsStep } from './store.js';

/**
 * The part of a retention step both stores share: given the events looked at (seq order), deletes the range's old
 * ones through `deleteRange(firstSeq, lastSeq)` (which filters on `at < before` itself) and says what was seen.
 */
export function pruneStep(rows: { seq: number; at: number }[], q: PruneEventsQuery, deleteRange: (first: number, last: number) => number): PruneEventsStep {
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) return { examined: 0, deleted: 0, lastSeq: q.afterSeq, sawRecent: false };
  let anyOld = false;
  let sawRecent = false;
  for (const r of rows) {
    if (r.at < q.before) anyOld = true;
    // Dated ahead of now (a clock that ran fast, then was put right): neither old nor a sign the sweep is done.
    else if (r.at <= q.now) sawRecent = true;
  }
  const deleted = anyOld ? deleteRange(first.seq, last.seq) : 0;
  return { examined: rows.length, deleted, lastSeq: last.seq, sawRecent };
}
