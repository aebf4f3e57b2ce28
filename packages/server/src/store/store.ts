import type { Change, Lease, Member, QuotaReport } from '@licensor/core';

/** A persisted event. `seq` is the cursor: strictly increasing in commit order. */
export interface StoredEvent {
  seq: number;
  id: string;
  type: string;
  moduleId: number | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

/** An event before the store gives it a sequence number. */
export type NewEvent = Omit<StoredEvent, 'seq'>;

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
export type TokenRole = 'admin' | 'app';

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

/** One unit of group commit: pool changes, events and idempotency records written in one transaction. */
export interface CommitBatch {
  changes: Change[];
  events: NewEvent[];
  idempotency: IdempotencyRecord[];
}

/** The one storage interface; SQLite (embedded default) and PostgreSQL (scale-out) implement it. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Applies every pending migration exactly once. */
  migrate(): Promise<void>;
  loadPools(): Promise<PoolSnapshot>;
  /** Writes many batches in one transaction and returns the sequence numbers given to their events, in order. */
  commit(batches: CommitBatch[]): Promise<number[][]>;
  getLicense(): Promise<{ text: string; installedAt: number } | null>;
  putLicense(text: string, at: number, event: NewEvent): Promise<void>;
  createToken(token: TokenRecord): Promise<void>;
  findTokenByHash(hash: string): Promise<TokenRecord | null>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string, at: number): Promise<boolean>;
  listEvents(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]>;
  getIdempotency(tokenId: string, key: string): Promise<IdempotencyRecord | null>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /** True when the store answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
