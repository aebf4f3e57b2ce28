import { type Row, toAudit } from '../store-rows.js';
import type { AuditRecord, NewAuditRecord } from '../store.js';
import type { SqlHost } from './sql-host.js';

/** The append-only audit log on either database (table `audit`, migration 2). */
export class SqlAuditStore {
  constructor(private readonly host: SqlHost) {}

  /** Appends one entry through the store's feed writer (PostgreSQL: under the feed lock); returns its seq. */
  append(record: NewAuditRecord): Promise<number> {
    return this.host.write((tx) => tx.insertAudit(record));
  }

  /** Entries oldest first after a cursor. */
  list(q: { after: number; limit: number }): Promise<AuditRecord[]> {
    return this.host.read(async (tx) => {
      const rows = await tx.all(
        this.host.d.k.selectFrom('audit').selectAll().where('seq', '>', q.after).orderBy('seq').limit(q.limit),
      );
      return rows.map((r) => toAudit(r as Row));
    });
  }
}
