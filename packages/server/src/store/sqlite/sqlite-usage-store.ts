import type Database from 'better-sqlite3';
import type { UsageSample, UsageStore } from '../usage-store.js';

type Row = { module_id: number; at: number; used: number; quantity: number | null; blocked: number };

/** Usage samples in the node's SQLite file (table `usage_samples`, migration 6). */
export class SqliteUsageStore implements UsageStore {
  private q: ReturnType<SqliteUsageStore['prepare']> | undefined;

  constructor(private readonly db: Database.Database) {}

  // Prepared on first use: the table exists only once the store has migrated.
  private prepare() {
    const db = this.db;
    return {
      put: db.prepare(
        'INSERT OR REPLACE INTO usage_samples (module_id, at, used, quantity, blocked) VALUES (?, ?, ?, ?, ?)',
      ),
      all: db.prepare('SELECT * FROM usage_samples WHERE at >= ? AND at <= ? ORDER BY at, module_id LIMIT ?'),
      one: db.prepare('SELECT * FROM usage_samples WHERE module_id = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?'),
      prune: db.prepare('DELETE FROM usage_samples WHERE at < ?'),
    };
  }

  private get s(): ReturnType<SqliteUsageStore['prepare']> {
    this.q ??= this.prepare();
    return this.q;
  }

  async record(samples: UsageSample[]): Promise<void> {
    if (!samples.length) return;
    const put = this.s.put;
    this.db.transaction(() => {
      for (const x of samples) put.run(x.moduleId, x.at, x.used, x.quantity, x.blocked);
    })();
  }

  async list(q: { moduleId?: number; from: number; to: number; limit: number }): Promise<UsageSample[]> {
    const rows = (
      q.moduleId === undefined
        ? this.s.all.all(q.from, q.to, q.limit)
        : this.s.one.all(q.moduleId, q.from, q.to, q.limit)
    ) as Row[];
    return rows.map((r) => ({
      moduleId: r.module_id,
      at: r.at,
      used: r.used,
      quantity: r.quantity,
      blocked: r.blocked,
    }));
  }

  async prune(before: number): Promise<number> {
    return this.s.prune.run(before).changes;
  }
}
