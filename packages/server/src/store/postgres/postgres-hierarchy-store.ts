import { childNodeFromRow } from '../child-node-row.js';
import type { Failure } from '@licensor/protocol';
import type { AllocationGuard, ChildNodeRecord, HierarchyStore, SyncReport } from '../hierarchy-store.js';
import type { NewAuditRecord, NewEvent } from '../store.js';
import type { PostgresHost } from './postgres-host.js';
import type { Row } from '../store-rows.js';
import { insertAudit, insertEvents, takeFeedLock } from './postgres-writes.js';

/** Child nodes and allocations on PostgreSQL (migration 4). */
export class PostgresHierarchyStore implements HierarchyStore {
  constructor(private readonly host: PostgresHost) {}

  async listChildren(): Promise<ChildNodeRecord[]> {
    return ((await this.host.pool.query('SELECT * FROM child_nodes ORDER BY registered_at, id')).rows as Row[]).map(
      childNodeFromRow,
    );
  }

  async insertChild(c: ChildNodeRecord, event: NewEvent): Promise<number> {
    return this.host.write(async (tx, mark) => {
      await tx.query(
        `INSERT INTO child_nodes (id, name, hardware_key, counted_as, public_key, token_id, registered_at, last_sync_at, report, allocation, allocation_seq, allocation_updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          c.id,
          c.name,
          c.hardwareKey,
          c.countedAs,
          c.publicKey,
          c.tokenId,
          c.registeredAt,
          c.lastSyncAt,
          c.report ? JSON.stringify(c.report) : null,
          c.allocation ? JSON.stringify(c.allocation) : null,
          c.allocationSeq,
          c.allocationUpdatedAt,
        ],
      );
      await takeFeedLock(tx, this.host.keys);
      const seqs = await insertEvents(tx, [event]);
      mark(seqs);
      return seqs[0] as number;
    });
  }

  async findChildByHardwareKey(hardwareKey: string): Promise<ChildNodeRecord | null> {
    const r = (await this.host.pool.query('SELECT * FROM child_nodes WHERE hardware_key = $1', [hardwareKey]))
      .rows[0] as Row | undefined;
    return r ? childNodeFromRow(r) : null;
  }

  async recordSync(
    id: string,
    at: number,
    report: SyncReport,
    u: { name: string; countedAs: number | null; publicKey: string },
  ): Promise<void> {
    await this.host.pool.query(
      'UPDATE child_nodes SET last_sync_at = $1, report = $2, name = $3, counted_as = $4, public_key = $5 WHERE id = $6',
      [at, JSON.stringify(report), u.name, u.countedAs, u.publicKey, id],
    );
  }

  async setAllocation(
    id: string,
    modules: Record<string, number> | null,
    at: number,
    event: NewEvent,
    audit: NewAuditRecord | null,
    guard?: AllocationGuard,
  ): Promise<{ seq: number; eventSeq: number } | { refused: Failure }> {
    return this.host.write(async (tx, mark) => {
      // The feed lock first: it serialises every allocation change, so the guard sees what no other process can change.
      await takeFeedLock(tx, this.host.keys);
      if (guard) {
        const refused = guard(((await tx.query('SELECT * FROM child_nodes')).rows as Row[]).map(childNodeFromRow));
        if (refused) return { refused };
      }
      const next = await tx.query(
        `INSERT INTO meta (key, value) VALUES ('hierarchy.allocation_seq', '1')
         ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text RETURNING value`,
      );
      const seq = Number((next.rows[0] as Row).value);
      const r = await tx.query(
        'UPDATE child_nodes SET allocation = $1, allocation_seq = $2, allocation_updated_at = $3 WHERE id = $4',
        [modules ? JSON.stringify(modules) : null, seq, at, id],
      );
      if (r.rowCount !== 1) throw new Error(`child node ${id} is not registered`);
      if (audit) await insertAudit(tx, [audit]);
      const seqs = await insertEvents(tx, [{ ...event, data: { ...event.data, seq } }]);
      mark(seqs);
      return { seq, eventSeq: seqs[0] as number };
    });
  }

  async deleteChild(id: string, event: NewEvent, audit: NewAuditRecord | null): Promise<number | null> {
    return this.host.write(async (tx, mark) => {
      if ((await tx.query('DELETE FROM child_nodes WHERE id = $1', [id])).rowCount !== 1) return null;
      await takeFeedLock(tx, this.host.keys);
      if (audit) await insertAudit(tx, [audit]);
      const seqs = await insertEvents(tx, [event]);
      mark(seqs);
      return seqs[0] as number;
    });
  }
}
