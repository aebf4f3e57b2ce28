import type { Change, Lease, Member, QuotaReport } from '@licensor/core';
import type { BillingStore } from './billing-store.js';
import type { SharedPoolStore } from './shared-pool-store.js';
import type { HierarchyStore } from './hierarchy-store.js';
import type { UsageStore } from './usage-store.js';
import type { WebhookStore } from './webhook-store.js';

/** A persisted event. `seq` is the cursor: strictly increasing in commit order; `id` is `evt_<seq>`. */
export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  moduleId: number | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

/** An event before the store gives it a sequence number (and so its id). */
export type NewEvent = Omit<StoredEvent, 'seq' | 'id'>;

/** The public id of an event: derived from its sequence number, so it costs no storage and no index. */
export function eventId(seq: number): string {
  return `evt_${seq}`;
}

/** An API token row; only the hash of the secret is kept. */
export interface TokenRecord {
  id: string;
  name: string;
  role: TokenRole;
  hash: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Roles an API token can have. */
export type TokenRole = 'admin' | 'app' | 'node';

/** A stored response for an Idempotency-Key. */
export interface IdempotencyRecord {
  tokenId: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  createdAt: number;
}

/** Everything the node keeps about its pools, loaded once at start. */
export interface PoolSnapshot {
  leases: Lease[];
  members: Member[];
  quotas: QuotaReport[];
}

/** Who did an admin action: the API token (id and name), or a local actor such as `cli` (no token id). */
export interface AuditActor {
  tokenId: string | null;
  name: string;
}

/** Admin actions the audit log records. */
export type AuditAction =
  | 'license.installed'
  | 'token.created'
  | 'token.revoked'
  | 'lease.force_released'
  | 'member.removed'
  | 'billing.topped_up'
  | 'billing.refund'
  | 'billing.adjustment'
  | 'rental_plan.created'
  | 'rental_plan.changed'
  | 'rental.started'
  | 'license.issued'
  | 'license.extended'
  | 'webhook.created'
  | 'webhook.deleted'
  | 'allocation.changed'
  | 'node.forgotten';

/** An audit entry before the store gives it a sequence number. */
export interface NewAuditRecord {
  id: string;
  at: number;
  actor: AuditActor;
  action: AuditAction;
  /** What the action was done to: a license id, a token id, `moduleId/holderId`. */
  target: string | null;
  details: Record<string, unknown> | null;
}

/** A stored audit entry; `seq` is the cursor, strictly increasing. The log is append-only. */
export interface AuditRecord extends NewAuditRecord {
  seq: number;
}

/** What one retention step looks at: events after `afterSeq`, up to `limit`; `now` tells recent events from ones dated ahead. */
export interface PruneEventsQuery {
  afterSeq: number;
  before: number;
  now: number;
  limit: number;
}

/** What one retention step saw and did. */
export interface PruneEventsStep {
  /** Events looked at (fewer than the limit: the sweep reached the newest event). */
  examined: number;
  deleted: number;
  /** Sequence number of the last event looked at (where the next step goes on). */
  lastSeq: number;
  /** Some event looked at happened between `before` and `now`: the sweep has reached the events it keeps. */
  sawRecent: boolean;
}

/** One unit of group commit: pool changes, events, idempotency and audit records written in one transaction. */
export interface CommitBatch {
  changes: Change[];
  events: NewEvent[];
  idempotency: IdempotencyRecord[];
  audit: NewAuditRecord[];
  /**
   * On a shared store, what the decision was made under: the epochs of the pools it changes (this process owned them)
   * and the license's install time. The commit fails with OwnershipLostError unless both still hold.
   */
  fence?: CommitFence;
}

/** The ownership and license a shared-store decision was made under (see CommitBatch.fence). */
export interface CommitFence {
  /** [moduleId, epoch] of every pool the batch changes. */
  pools: readonly (readonly [number, number])[];
  licenseInstalledAt: number | null;
}

/** The one storage interface; SQLite (embedded default) and PostgreSQL (scale-out) implement it. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Operations per group-commit transaction the store wants (when each commit is expensive, e.g. an fsync, more). */
  readonly commitGroupSize?: number;
  /** Present when several processes share the store (PostgreSQL): each pool is then decided by the process owning it. */
  readonly shared?: SharedPoolStore;
  /** Billing accounts, ledger, rental plans, rentals and issued license files (vendor nodes). */
  readonly billing: BillingStore;
  /** Child nodes and their allocations (a parent node in an enterprise tree). */
  readonly hierarchy: HierarchyStore;
  /** Usage samples of the pools over time (dashboard charts), pruned past their retention. */
  readonly usage: UsageStore;
  /** Webhook endpoints and the outbox of their deliveries. */
  readonly webhooks: WebhookStore;
  /** Applies every pending migration exactly once. */
  migrate(): Promise<void>;
  loadPools(): Promise<PoolSnapshot>;
  /** Writes many batches in one transaction and returns the sequence numbers given to their events, in order. */
  commit(batches: CommitBatch[]): Promise<number[][]>;
  getLicense(): Promise<{ text: string; installedAt: number } | null>;
  /** Installs a license; the event and the audit entry are written in the same transaction. */
  /** Stores the license with its event (and audit entry) in one transaction; returns the event's sequence number. */
  putLicense(text: string, at: number, event: NewEvent, audit?: NewAuditRecord): Promise<number>;
  createToken(token: TokenRecord): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  listEvents(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]>;
  /**
   * One step of the retention sweep: looks at up to `limit` events after `afterSeq`, oldest first and never the newest
   * (so sequence numbers keep growing), and deletes those that happened before `before`. Bounded work per call.
   */
  pruneEvents(q: PruneEventsQuery): Promise<PruneEventsStep>;
  getIdempotency(tokenId: string, key: string): Promise<IdempotencyRecord | null>;
  /** Appends one entry to the audit log (for actions that do not go through the group commit); returns its seq. */
  appendAudit(record: NewAuditRecord): Promise<number>;
  /** Audit entries oldest first after a cursor. */
  listAudit(q: { after: number; limit: number }): Promise<AuditRecord[]>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** Sets `key` only if it has no value yet; returns the stored value (the first writer's, when processes race). */
  initMeta(key: string, value: string): Promise<string>;
  /** True when the store answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
