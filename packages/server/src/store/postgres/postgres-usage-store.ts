import type { UsageSample, UsageStore } from '../usage-store.js';
import type { PostgresHost } from './postgres-host.js';
import type { Row } from '../store-rows.js';

/** Usage samples on PostgreSQL (table `usage_samples`, migration 6). */
export class PostgresUsageStore implements UsageStore {
  constructor(private readonly host: PostgresHost) {}

  async record(samples: UsageSample[]): Promise<void> {
    if (!samples.length) return;
    await this.host.pool.query(
      `INSERT INTO usage_samples SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])
       ON CONFLICT (module_id, at) DO UPDATE SET used = excluded.used, quantity = excluded.quantity, blocked = excluded.blocked`,
      [
        samples.map((x) => x.moduleId),
        samples.map((x) => x.at),
        samples.map((x) => x.used),
        samples.map((x) => x.quantity),
        samples.map((x) => x.blocked),
      ],
    );
  }

  async list(q: { moduleId?: number; from: number; to: number; limit: number }): Promise<UsageSample[]> {
    const r =
      q.moduleId === undefined
        ? await this.host.pool.query(
            'SELECT * FROM usage_samples WHERE at >= $1 AND at <= $2 ORDER BY at, module_id LIMIT $3',
            [q.from, q.to, q.limit],
          )
        : await this.host.pool.query(
            'SELECT * FROM usage_samples WHERE module_id = $1 AND at >= $2 AND at <= $3 ORDER BY at LIMIT $4',
            [q.moduleId, q.from, q.to, q.limit],
          );
    return (r.rows as Row[]).map((x) => ({
      moduleId: x.module_id as number,
      at: x.at as number,
      used: x.used as number,
      quantity: (x.quantity as number | null) ?? null,
      blocked: x.blocked as number,
    }));
  }

  async prune(before: number): Promise<number> {
    return (await this.host.pool.query('DELETE FROM usage_samples WHERE at < $1', [before])).rowCount ?? 0;
  }
}
