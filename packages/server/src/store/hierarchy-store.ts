import type { Failure } from '@licensor/protocol';
import type { NewAuditRecord, NewEvent } from './store.js';

/**
 * Checked inside the allocation's transaction, against every child as stored at that moment (under the store's write
 * lock), so two allocations racing on different processes cannot together exceed what the node holds.
 */
export type AllocationGuard = (children: ChildNodeRecord[]) => Failure | null;

/** One module's use on a node, as reported upstream. */
export interface UsageLine {
  moduleId: number;
  /** The pool's quantity on that node (null = unlimited). */
  quantity: number | null;
  used: number;
  blocked: number;
}

/** What a child node last told its parent about itself and its own subtree. */
export interface SyncReport {
  licenseState: string;
  usage: UsageLine[];
  /** The child's own children, as it sees them (the same shape, nested). */
  children: unknown[];
}

/** A child node registered with this node. */
export interface ChildNodeRecord {
  id: string;
  name: string;
  hardwareKey: string;
  /** The module whose pool counts this child on the parent (e.g. subordinate Data Servers); null = not counted. */
  countedAs: number | null;
  /** The node's Ed25519 public key, as it announced it. */
  publicKey: string;
  /** The token the child registered with; only it (or an admin) may sync as this child. */
  tokenId: string | null;
  registeredAt: number;
  lastSyncAt: number;
  report: SyncReport | null;
  /** Module quantities allocated to the child (null: none yet). */
  allocation: Record<string, number> | null;
  /** Sequence number of the allocation's last change (0: never allocated). */
  allocationSeq: number;
  allocationUpdatedAt: number | null;
}

/** Child nodes and their allocations, kept by a parent node. */
export interface HierarchyStore {
  listChildren(): Promise<ChildNodeRecord[]>;
  /** Registers a child with its event in one transaction; returns the event's sequence number. */
  insertChild(child: ChildNodeRecord, event: NewEvent): Promise<number>;
  /** Records a sync: time, report, and what the child now announces about itself. */
  recordSync(
    id: string,
    at: number,
    report: SyncReport,
    update: { name: string; countedAs: number | null; publicKey: string },
  ): Promise<void>;
  /**
   * Sets a child's allocation with its event and audit entry in one transaction. The sequence number comes from one
   * counter for the whole node, so it only ever grows, even for a child that is forgotten and registers again.
   */
  setAllocation(
    id: string,
    modules: Record<string, number> | null,
    at: number,
    event: NewEvent,
    audit: NewAuditRecord | null,
    guard?: AllocationGuard,
  ): Promise<{ seq: number; eventSeq: number } | { refused: Failure }>;
  /** One child by its hardware key, as stored now (processes sharing a store each see what the others wrote). */
  findChildByHardwareKey(hardwareKey: string): Promise<ChildNodeRecord | null>;
  /** Forgets a child with its event and audit entry; returns the event's sequence number, or null if unknown. */
  deleteChild(id: string, event: NewEvent, audit: NewAuditRecord | null): Promise<number | null>;
}
