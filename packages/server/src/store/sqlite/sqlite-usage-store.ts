import type Database from 'better-sqlite3';
import type { SqliteGate } from './sqlite-gate.js';
import type { UsageSample, UsageStore } from '../usage-store.js';

type Row = { module_id: number; at: number; used: number; quantity: number | null; blocked: number };

/** Usage samples in the node's SQLite file (table `usage_samples`, migration 6). */
export class SqliteUsageStore implements UsageStore {
  private q: ReturnType<SqliteUsageStore['prepare']> | undefined;

  constructor(private readonly gate: SqliteGate) {}

  // Prepared on first use: the table exists only once the store has migrated.
  private prepare(db: Database.Database) {
    return {
      put: db.prepare(
        'INSERT OR REPLACE INTO usage_samples (module_id, at, used, quantity, blocked) VALUES (?, ?, ?, ?, ?)',
      ),
      all: db.prepare('SELECT * FROM usage_samples WHERE at >= ? AND at <= ? ORDER BY at, module_id LIMIT ?'),
      one: db.prepare('SELECT * FROM usage_samples WHERE module_id = ? AND at >= ? AND at <= ? ORDER BY at LIMIT ?'),
      prune: db.prepare('DELETE FROM usage_samples WHERE at < ?'),
    };
  }

  private s(db: Database.Database): ReturnType<SqliteUsageStore['prepare']> {
    this.q ??= this.prepare(db);
    return this.q;
  }

  record(samples: UsageSample[]): Promise<void> {
    return this.gate.run((db) => {
      if (!samples.length) return;
      const put = this.s(db).put;
      db.transaction(() => {
        for (const x of samples) put.run(x.moduleId, x.at, x.used, x.quantity, x.blocked);
      })();
    });
  }

  list(q: { moduleId?: number; from: number; to: number; limit: number }): Promise<UsageSample[]> {
    return this.gate.run((db) => {
      const rows = (
        q.moduleId === undefined
          ? this.s(db).all.all(q.from, q.to, q.limit)
          : this.s(db).one.all(q.moduleId, q.from, q.to, q.limit)
      ) as Row[];
      return rows.map((r) => ({
        moduleId: r.module_id,
        at: r.at,
        used: r.used,
        quantity: r.quantity,
        blocked: r.blocked,
      }));
    });
  }

  prune(before: number): Promise<number> {
    return this.gate.run((db) => {
      return this.s(db).prune.run(before).changes;
    });
  }
}
