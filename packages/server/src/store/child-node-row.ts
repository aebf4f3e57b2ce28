import type { ChildNodeRecord, SyncReport } from './hierarchy-store.js';

/** Maps a `child_nodes` row to a record; both stores name the columns alike and keep JSON as text. */
export function childNodeFromRow(r: Record<string, unknown>): ChildNodeRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    hardwareKey: r.hardware_key as string,
    countedAs: r.counted_as === null || r.counted_as === undefined ? null : Number(r.counted_as),
    publicKey: r.public_key as string,
    tokenId: (r.token_id as string | null) ?? null,
    registeredAt: Number(r.registered_at),
    lastSyncAt: Number(r.last_sync_at),
    report: r.report ? (JSON.parse(r.report as string) as SyncReport) : null,
    allocation: r.allocation ? (JSON.parse(r.allocation as string) as Record<string, number>) : null,
    allocationSeq: Number(r.allocation_seq),
    allocationUpdatedAt:
      r.allocation_updated_at === null || r.allocation_updated_at === undefined
        ? null
        : Number(r.allocation_updated_at),
  };
}
