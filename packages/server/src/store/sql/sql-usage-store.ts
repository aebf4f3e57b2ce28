import type { UsageSample, UsageStore } from '../usage-store.js';
import type { SqlHost } from './sql-host.js';

/** Samples per INSERT (5 parameters each). */
const CHUNK = 1000;

/** Usage samples on either database (table `usage_samples`, migration 6). */
export class SqlUsageStore implements UsageStore {
  constructor(private readonly host: SqlHost) {}

  async record(samples: UsageSample[]): Promise<void> {
    if (!samples.length) return;
    const k = this.host.d.k;
    await this.host.write(async (tx) => {
      for (let i = 0; i < samples.length; i += CHUNK) {
        const rows = samples.slice(i, i + CHUNK).map((x) => ({
          module_id: x.moduleId,
          at: x.at,
          used: x.used,
          quantity: x.quantity,
          blocked: x.blocked,
        }));
        await tx.run(
          k
            .insertInto('usage_samples')
            .values(rows)
            .onConflict((oc) =>
              oc.columns(['module_id', 'at']).doUpdateSet((eb) => ({
                used: eb.ref('excluded.used'),
                quantity: eb.ref('excluded.quantity'),
                blocked: eb.ref('excluded.blocked'),
              })),
            ),
        );
      }
    });
  }

  list(q: { moduleId?: number; from: number; to: number; limit: number }): Promise<UsageSample[]> {
    return this.host.read(async (tx) => {
      let query = this.host.d.k
        .selectFrom('usage_samples')
        .selectAll()
        .where('at', '>=', q.from)
        .where('at', '<=', q.to);
      query =
        q.moduleId === undefined
          ? query.orderBy('at').orderBy('module_id')
          : query.where('module_id', '=', q.moduleId).orderBy('at');
      return (await tx.all(query.limit(q.limit))).map((r) => ({
        moduleId: r.module_id,
        at: Number(r.at),
        used: Number(r.used),
        quantity: r.quantity === null ? null : Number(r.quantity),
        blocked: Number(r.blocked),
      }));
    });
  }

  prune(before: number): Promise<number> {
    return this.host.read((tx) => tx.run(this.host.d.k.deleteFrom('usage_samples').where('at', '<', before)));
  }
}
