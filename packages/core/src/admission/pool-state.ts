import { StableMap } from '@licensor/protocol';
import type { ModuleDefinition } from '../catalog/module-definition.js';
import type { MemberTally } from './member-tally.js';

/** A live lease: one holder (device, plugin instance, client app) occupying one slot of a module's pool. */
export interface Lease {
  moduleId: number;
  holderId: string;
  /** `lse_…`; stays the same while the holder keeps re-taking its slot. */
  leaseId: string;
  /** The SDK session that holds it, or null for plain HTTP holders and after the session dropped. */
  sessionId: string | null;
  acquiredAt: number;
  lastHeartbeatAt: number;
  /** Last time the holder reported user activity (EVICT_INACTIVE measures idleness from this). */
  lastActivityAt: number;
  expiresAt: number;
}

/** A member of a BLOCK_LATEST pool (a cash register, a subordinate server), ordered by first connection. */
export interface Member {
  moduleId: number;
  memberId: string;
  /** Order of first connection; ties on time are broken by this sequence. */
  seq: number;
  firstConnectedAt: number;
  lastSeenAt: number;
  state: 'active' | 'blocked';
  /** Why it is blocked; null while active. */
  blockedReason: MemberBlockReason | null;
  /** Feature module IDs the member's profile enables (registers), as last reported. */
  features: number[];
  /** The enabled features the license does not grant: while any, the member is blocked and takes no licensed seat. */
  missingFeatures: number[];
}

/** Why a member is blocked: connected beyond the licensed quantity, or its profile enables add-ons the license lacks. */
export type MemberBlockReason = 'beyond_quantity' | 'features_unlicensed';

/** The count an application reports for a DEGRADE pool. */
export interface QuotaReport {
  moduleId: number;
  count: number;
  reportedAt: number;
  state: 'ok' | 'over_quota';
}

/** Why a holder lost its lease, remembered briefly so its next heartbeat can say so. */
export interface Tombstone {
  reason: 'evicted' | 'force_released' | 'expired' | 'released';
  at: number;
  by?: string;
  /** Evicted because the pool's quantity fell to this (below the live leases), not to make room for a holder. */
  lowered?: number;
}

/** The state of one module's pool on a node. Core functions mutate it in place and report what changed. */
export interface PoolState {
  module: ModuleDefinition;
  /** Licensed quantity; null = unlimited (developer license or an unlimited entitlement). */
  quantity: number | null;
  /** Leases by holder; a StableMap because holders take and release their slots all the time. Set through putLease. */
  leases: StableMap<string, Lease>;
  /**
   * No lease expires before this time: a lower bound, kept by putLease and recomputed by each expiry scan, so an
   * acquire does not walk every lease of a big pool to find that none has expired. -Infinity forces a scan.
   */
  expiryFloor: number;
  /** Members by id; order is by (firstConnectedAt, seq). Changed only by the member operations, which keep memberTally. */
  members: Map<string, Member>;
  /** Counts over `members` a join needs (see memberTally); undefined until first needed, and after a refill. */
  memberTally?: MemberTally | undefined;
  quota: QuotaReport | null;
  /** Feature modules (add-ons of this application) the license grants; a member enabling any other is blocked. */
  licensedFeatures: ReadonlySet<number>;
  /** Why each recent holder's lease ended, by holder (for LEASE_NOT_FOUND answers); insertion order is chronological. */
  tombstones: Map<string, Tombstone>;
}

/** A change to persist; the store writes these in the order given. */
export type Change =
  | { kind: 'lease.put'; lease: Lease }
  | { kind: 'lease.delete'; moduleId: number; holderId: string }
  | { kind: 'member.put'; member: Member }
  | { kind: 'member.delete'; moduleId: number; memberId: string }
  | { kind: 'quota.put'; quota: QuotaReport };

/** Event types, past-tense dotted names. */
export type DomainEventType =
  | 'slot.acquired'
  | 'slot.reacquired'
  | 'slot.released'
  | 'slot.expired'
  | 'slot.evicted'
  | 'slot.force_released'
  | 'member.joined'
  | 'member.blocked'
  | 'member.unblocked'
  | 'member.removed'
  | 'member.expired'
  | 'quota.exceeded'
  | 'quota.restored';

/** An event the domain raised; the server adds id, time and persists it. */
export interface DomainEvent {
  type: DomainEventType;
  moduleId: number;
  /** holder id or member id. */
  subject: string;
  data?: Record<string, unknown>;
}

/** What a core operation decided: the outcome for the caller plus the changes and events it caused. */
export interface Decision<T> {
  outcome: import('@licensor/protocol').Outcome<T>;
  changes: Change[];
  events: DomainEvent[];
}

/** Creates an empty pool for a module. */
export function createPool(module: ModuleDefinition, quantity: number | null): PoolState {
  return {
    module,
    quantity,
    leases: new StableMap(),
    expiryFloor: Number.NEGATIVE_INFINITY,
    members: new Map(),
    quota: null,
    licensedFeatures: new Set(),
    tombstones: new Map(),
  };
}

/** What a store holds of some pools: their leases, members (in connection order) and quota reports. */
export interface StoredPoolState {
  leases: Lease[];
  members: Member[];
  quotas: QuotaReport[];
}

/** Replaces the state of the pools in `ids` (every pool when omitted) with what the store holds. */
export function refillPools(
  pools: ReadonlyMap<number, PoolState>,
  state: StoredPoolState,
  ids: Iterable<number> = pools.keys(),
): void {
  // Only the named pools: rows of the others are ignored, since their memory may be ahead of the store.
  const only = new Set(ids);
  for (const id of only) {
    const pool = pools.get(id);
    if (!pool) continue;
    pool.leases.clear();
    pool.members.clear();
    pool.memberTally = undefined;
    pool.quota = null;
  }
  for (const l of state.leases) {
    const pool = only.has(l.moduleId) ? pools.get(l.moduleId) : undefined;
    if (pool) putLease(pool, l);
  }
  for (const m of state.members) if (only.has(m.moduleId)) pools.get(m.moduleId)?.members.set(m.memberId, m);
  for (const q of state.quotas) {
    const pool = only.has(q.moduleId) ? pools.get(q.moduleId) : undefined;
    if (pool) pool.quota = q;
  }
}

/** Stores a lease in its pool (new, renewed or loaded from the store), keeping the pool's expiry floor a lower bound. */
export function putLease(pool: PoolState, lease: Lease): void {
  pool.leases.set(lease.holderId, lease);
  if (lease.expiresAt < pool.expiryFloor) pool.expiryFloor = lease.expiresAt;
}
