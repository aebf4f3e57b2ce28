import { childNodeFromRow } from '../child-node-row.js';
import type Database from 'better-sqlite3';
import type { SqliteGate } from './sqlite-gate.js';
import { prepareFeedWrites } from './feed-writes.js';
import type { Failure } from '@licensor/protocol';
import type { AllocationGuard, ChildNodeRecord, HierarchyStore, SyncReport } from '../hierarchy-store.js';
import type { NewAuditRecord, NewEvent } from '../store.js';

type Row = Record<string, unknown>;

/** Child nodes and allocations in the node's SQLite file. */
export class SqliteHierarchyStore implements HierarchyStore {
  private q: ReturnType<SqliteHierarchyStore['prepare']> | undefined;

  constructor(private readonly gate: SqliteGate) {}

  // Prepared lazily: the tables exist only after migrate().
  private s(db: Database.Database) {
    this.q ??= this.prepare(db);
    return this.q;
  }

  private prepare(db: Database.Database) {
    return {
      list: db.prepare('SELECT * FROM child_nodes ORDER BY registered_at, id'),
      byHardwareKey: db.prepare('SELECT * FROM child_nodes WHERE hardware_key = ?'),
      insert: db.prepare(
        `INSERT INTO child_nodes (id, name, hardware_key, counted_as, public_key, token_id, registered_at, last_sync_at, report, allocation, allocation_seq, allocation_updated_at)
         VALUES (@id, @name, @hardwareKey, @countedAs, @publicKey, @tokenId, @registeredAt, @lastSyncAt, @report, @allocation, @allocationSeq, @allocationUpdatedAt)`,
      ),
      sync: db.prepare(
        'UPDATE child_nodes SET last_sync_at = ?, report = ?, name = ?, counted_as = ?, public_key = ? WHERE id = ?',
      ),
      allocate: db.prepare(
        'UPDATE child_nodes SET allocation = ?, allocation_seq = ?, allocation_updated_at = ? WHERE id = ?',
      ),
      remove: db.prepare('DELETE FROM child_nodes WHERE id = ?'),
      nextSeq: db.prepare(
        `INSERT INTO meta (key, value) VALUES ('hierarchy.allocation_seq', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) RETURNING value`,
      ),
      ...prepareFeedWrites(db),
    };
  }

  listChildren(): Promise<ChildNodeRecord[]> {
    return this.gate.run((db) => {
      return (this.s(db).list.all() as Row[]).map(childNodeFromRow);
    });
  }

  insertChild(c: ChildNodeRecord, event: NewEvent): Promise<number> {
    return this.gate.run((db) => {
      return db
        .transaction(() => {
          this.s(db).insert.run({
            ...c,
            report: c.report ? JSON.stringify(c.report) : null,
            allocation: c.allocation ? JSON.stringify(c.allocation) : null,
          });
          return this.s(db).insertEvent(event);
        })
        .immediate();
    });
  }

  recordSync(
    id: string,
    at: number,
    report: SyncReport,
    u: { name: string; countedAs: number | null; publicKey: string },
  ): Promise<void> {
    return this.gate.run((db) => {
      this.s(db).sync.run(at, JSON.stringify(report), u.name, u.countedAs, u.publicKey, id);
    });
  }

  setAllocation(
    id: string,
    modules: Record<string, number> | null,
    at: number,
    event: NewEvent,
    audit: NewAuditRecord | null,
    guard?: AllocationGuard,
  ): Promise<{ seq: number; eventSeq: number } | { refused: Failure }> {
    return this.gate.run((db) => {
      return db
        .transaction(() => {
          const refused = guard?.((this.s(db).list.all() as Row[]).map(childNodeFromRow)) ?? null;
          if (refused) return { refused };
          const seq = Number((this.s(db).nextSeq.get() as { value: string }).value);
          if (this.s(db).allocate.run(modules ? JSON.stringify(modules) : null, seq, at, id).changes !== 1)
            throw new Error(`child node ${id} is not registered`);
          if (audit) this.s(db).insertAudit(audit);
          return { seq, eventSeq: this.s(db).insertEvent({ ...event, data: { ...event.data, seq } }) };
        })
        .immediate();
    });
  }

  findChildByHardwareKey(hardwareKey: string): Promise<ChildNodeRecord | null> {
    return this.gate.run((db) => {
      const r = this.s(db).byHardwareKey.get(hardwareKey) as Row | undefined;
      return r ? childNodeFromRow(r) : null;
    });
  }

  deleteChild(id: string, event: NewEvent, audit: NewAuditRecord | null): Promise<number | null> {
    return this.gate.run((db) => {
      return db
        .transaction(() => {
          if (this.s(db).remove.run(id).changes !== 1) return null;
          if (audit) this.s(db).insertAudit(audit);
          return this.s(db).insertEvent(event);
        })
        .immediate();
    });
  }
}
