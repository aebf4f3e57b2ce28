import { planPruneStep } from '../prune-step.js';
import { type Row, toEvent } from '../store-rows.js';
import type { PruneEventsQuery, PruneEventsStep, StoredEvent } from '../store.js';
import type { SqlHost } from './sql-host.js';

/** Reads and retention of the event feed on either database; its appends stay with each store's tuned writer. */
export class SqlEventStore {
  constructor(private readonly host: SqlHost) {}

  /** Events after a cursor, oldest first, optionally of some types or one module. */
  list(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]> {
    return this.host.read(async (tx) => {
      let query = this.host.d.k.selectFrom('events').selectAll().where('seq', '>', q.after);
      if (q.types?.length) query = query.where('type', 'in', q.types);
      if (q.moduleId !== undefined) query = query.where('module_id', '=', q.moduleId);
      return (await tx.all(query.orderBy('seq').limit(q.limit))).map((r) => toEvent(r as Row));
    });
  }

  /** One bounded retention step (see Store.pruneEvents). */
  prune(q: PruneEventsQuery): Promise<PruneEventsStep> {
    const k = this.host.d.k;
    // Two single statements, as safe as one transaction: the delete is bounded by the seqs the select saw, all below
    // the newest, and only appends happen meanwhile. Keeping the newest row keeps the sequence growing (PostgreSQL
    // gives max + 1; SQLite's rowid would reuse the number of a deleted last row).
    return this.host.read(async (tx) => {
      const rows = await tx.all(
        k
          .selectFrom('events')
          .select(['seq', 'at'])
          .where('seq', '>', q.afterSeq)
          .where(
            'seq',
            '<',
            k.selectFrom('events').select((eb) => eb.fn.max('seq').as('m')),
          )
          .orderBy('seq')
          .limit(q.limit),
      );
      const { step, range } = planPruneStep(
        rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at) })),
        q,
      );
      if (!range) return step;
      const deleted = await tx.run(
        k
          .deleteFrom('events')
          .where('seq', '>=', range.first)
          .where('seq', '<=', range.last)
          .where('at', '<', q.before),
      );
      return { ...step, deleted };
    });
  }
}
