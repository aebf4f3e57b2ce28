import type { Failure } from '@licensor/protocol';
import { sql } from 'kysely';
import { childNodeFromRow } from '../child-node-row.js';
import type { AllocationGuard, ChildNodeRecord, HierarchyStore, SyncReport } from '../hierarchy-store.js';
import type { NewAuditRecord, NewEvent } from '../store.js';
import type { SqlHost, SqlTx } from './sql-host.js';

/** Child nodes and allocations on either database (migration 4). */
export class SqlHierarchyStore implements HierarchyStore {
  constructor(private readonly host: SqlHost) {}

  private get k() {
    return this.host.d.k;
  }

  private children(tx: SqlTx): Promise<ChildNodeRecord[]> {
    const q = this.k.selectFrom('child_nodes').selectAll().orderBy('registered_at').orderBy('id');
    return tx.all(q).then((rows) => rows.map(childNodeFromRow));
  }

  listChildren(): Promise<ChildNodeRecord[]> {
    return this.host.read((tx) => this.children(tx));
  }

  insertChild(c: ChildNodeRecord, event: NewEvent): Promise<number> {
    return this.host.write(async (tx) => {
      await tx.run(
        this.k.insertInto('child_nodes').values({
          id: c.id,
          name: c.name,
          hardware_key: c.hardwareKey,
          counted_as: c.countedAs,
          public_key: c.publicKey,
          token_id: c.tokenId,
          registered_at: c.registeredAt,
          last_sync_at: c.lastSyncAt,
          report: c.report ? JSON.stringify(c.report) : null,
          allocation: c.allocation ? JSON.stringify(c.allocation) : null,
          allocation_seq: c.allocationSeq,
          allocation_updated_at: c.allocationUpdatedAt,
        }),
      );
      return tx.insertEvent(event);
    });
  }

  findChildByHardwareKey(hardwareKey: string): Promise<ChildNodeRecord | null> {
    return this.host.read(async (tx) => {
      const r = await tx.first(this.k.selectFrom('child_nodes').selectAll().where('hardware_key', '=', hardwareKey));
      return r ? childNodeFromRow(r) : null;
    });
  }

  recordSync(
    id: string,
    at: number,
    report: SyncReport,
    u: { name: string; countedAs: number | null; publicKey: string },
  ): Promise<void> {
    return this.host.read(async (tx) => {
      await tx.run(
        this.k
          .updateTable('child_nodes')
          .set({
            last_sync_at: at,
            report: JSON.stringify(report),
            name: u.name,
            counted_as: u.countedAs,
            public_key: u.publicKey,
          })
          .where('id', '=', id),
      );
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
    return this.host.write(async (tx) => {
      // The feed lock first (PostgreSQL; SQLite's transaction is the only writer): it serialises every allocation
      // change, so the guard sees what no other process can change meanwhile.
      await tx.feedLock();
      const refused = guard?.(await this.children(tx)) ?? null;
      if (refused) return { refused };
      const next = await tx.first(
        this.k
          .insertInto('meta')
          .values({ key: 'hierarchy.allocation_seq', value: '1' })
          .onConflict((oc) =>
            oc.column('key').doUpdateSet({ value: sql<string>`CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)` }),
          )
          .returning('value'),
      );
      const seq = Number(next?.value);
      const changed = await tx.run(
        this.k
          .updateTable('child_nodes')
          .set({ allocation: modules ? JSON.stringify(modules) : null, allocation_seq: seq, allocation_updated_at: at })
          .where('id', '=', id),
      );
      if (changed !== 1) throw new Error(`child node ${id} is not registered`);
      if (audit) await tx.insertAudit(audit);
      return { seq, eventSeq: await tx.insertEvent({ ...event, data: { ...event.data, seq } }) };
    });
  }

  deleteChild(id: string, event: NewEvent, audit: NewAuditRecord | null): Promise<number | null> {
    return this.host.write(async (tx) => {
      if ((await tx.run(this.k.deleteFrom('child_nodes').where('id', '=', id))) !== 1) return null;
      if (audit) await tx.insertAudit(audit);
      return tx.insertEvent(event);
    });
  }
}
