// Shapes of the node's API answers the dashboard reads (see docs/api.md).

/** `GET /v1/license`. */
export interface LicenseAnswer {
  state: { state: 'valid' | 'missing' | 'expired' | 'not_yet_valid' | 'blocked'; detail: string };
  license: {
    id: string;
    issuer: string;
    customer: { id: string; name: string };
    hardwareKey: string;
    scope: 'centralized' | 'static';
    term: { type: 'permanent' | 'temporary' | 'rental'; period?: string };
    entitlements: { moduleId: number; quantity: number | null }[];
    developer?: { id: string } | null;
    issuedAt: string;
    notBefore: string;
    notAfter: string | null;
    keySource?: 'usb' | 'machine-id' | 'any';
  } | null;
  installedAt: number | null;
}

/** The hardware key part of `GET /v1/status`: where the key came from and, for a USB drive, whether it is plugged in. */
export interface HardwareKeyStatus {
  key: string;
  source: 'usb' | 'machine-id' | 'explicit';
  trusted: boolean;
  watched: boolean;
  present: boolean;
  missingSince: string | null;
  graceEndsAt: string | null;
  /** True once the grace period is over: client work is refused until the drive is back. */
  refusing: boolean;
}

/** One pool in `GET /v1/pools`. */
export interface PoolSummary {
  moduleId: number;
  name: string;
  kind: string;
  strategy: 'REJECT_NEW' | 'EVICT_INACTIVE' | 'BLOCK_LATEST' | 'DEGRADE' | string;
  quantity: number | null;
  used: number;
  free: number | null;
  holders: number;
  members: number;
  blocked: number;
  /** Of the blocked, those blocked because their profile enables add-ons the license does not grant. */
  blockedByProfile: number;
  quotaState: string | null;
  licensed: boolean;
}

/** A slot holder in `GET /v1/pools/{moduleId}`. */
export interface Holder {
  holderId: string;
  leaseId: string;
  since: number;
  lastHeartbeatAt: number;
  lastActivityAt: number;
  expiresAt: number;
  state: 'active' | 'connected' | 'expired';
}

/** A member (register, subordinate server) in `GET /v1/pools/{moduleId}`, in connection order. */
export interface MemberRow {
  memberId: string;
  position: number;
  state: 'active' | 'blocked';
  /** Why it is blocked: connected beyond the licensed quantity, or its profile enables add-ons the license lacks. */
  blockedReason: 'beyond_quantity' | 'features_unlicensed' | null;
  firstConnectedAt: number;
  lastSeenAt: number;
  features: number[];
  /** The enabled add-ons the license does not grant. */
  missingFeatures: number[];
}

/** A pool's admission policy, as the catalog (or the license) defines it. */
export interface PoolPolicy {
  strategy: string;
  idleThresholdSeconds?: number;
  memberInactiveAfterSeconds?: number | null;
  allowedWhenOverQuota?: string[];
  refusedWhenOverQuota?: string[];
}

/** A module of `GET /v1/catalog`, as much as the dashboard reads. */
export interface CatalogModule {
  id: number;
  name: string;
  kind: string;
}

/** `GET /v1/pools/{moduleId}`: one page of holders and members. */
export interface PoolDetail {
  summary: PoolSummary;
  policy: PoolPolicy;
  holders: Holder[];
  members: MemberRow[];
  nextMemberCursor: number | null;
  nextCursor: string | null;
  quota: { moduleId: number; count: number; reportedAt: number; state: string } | null;
}

/** An event of the feed (`GET /v1/events`, `GET /v1/events/stream`). */
export interface FeedEvent {
  seq: number;
  id: string;
  type: string;
  moduleId: number | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

/** One usage sample of a module. */
export interface UsageSample {
  at: number;
  used: number;
  quantity: number | null;
  blocked: number;
}

/** One module in `GET /v1/usage`: its samples and peak. */
export interface UsageModule {
  moduleId: number;
  name: string;
  quantity: number | null;
  peak: { at: number; used: number; quantity: number | null } | null;
  samples: UsageSample[];
}

/** `GET /v1/usage`. */
export interface UsageAnswer {
  intervalMs: number;
  retentionMs: number;
  from: number;
  to: number;
  truncated: boolean;
  modules: UsageModule[];
}

/** A rental of a billing account (without its license file). */
export interface Rental {
  id: string;
  accountId: string;
  planId: string;
  licenseId: string;
  hardwareKey: string;
  scope: string;
  status: 'active' | 'grace' | 'lapsed' | string;
  periodIndex: number;
  paidUntil: string;
  notAfter: string | null;
  installedHere: boolean;
}

/** A billing account in `GET /v1/billing/accounts`, with its rentals. */
export interface Account {
  id: string;
  customer: { id: string; name: string };
  currency: string;
  balance: number;
  balanceText: string;
  createdAt: number;
  rentals: Rental[];
}

/** A ledger entry, amounts in minor units. */
export interface LedgerEntry {
  seq: number;
  id: string;
  accountId: string;
  kind: 'topup' | 'rental_charge' | 'refund' | 'adjustment';
  amount: number;
  currency: string;
  reference: string | null;
  rentalId: string | null;
  periodIndex: number | null;
  note: string | null;
  at: number;
}

/** A subdivision (child node) in `GET /v1/nodes`, with its own reported subtree. */
export interface ChildNode {
  id: string;
  name: string;
  hardwareKey: string;
  /** The module the parent counts this node against (subordinate servers), or null. */
  countedAs: number | null;
  state: 'active' | 'blocked' | 'unlicensed' | string;
  message: string;
  licenseState: string | null;
  /** The child's reported license state in words ("running unlicensed: …"); absent from older nodes' reports. */
  licenseSummary?: string | null;
  registeredAt: string;
  lastSyncAt: string;
  online: boolean;
  allocation: { seq: number; modules: Record<string, number>; updatedAt: string | null } | null;
  usage: { moduleId: number; quantity: number | null; used: number; blocked: number }[];
  children: ChildNode[];
}

/** `GET /v1/nodes`: what this node holds, what it allocated, and its children. */
export interface NodesAnswer {
  nodeId: string;
  distributable: boolean;
  distributableDetail: string;
  held: Record<string, number | null>;
  allocated: Record<string, number>;
  items: ChildNode[];
}

/** `GET /v1/upstream`: this node's link to its parent. */
export interface UpstreamAnswer {
  url: string;
  nodeId: string | null;
  parentNodeId: string | null;
  state: string;
  message: string;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  syncIntervalMs: number;
  allocation: {
    id: string;
    seq: number;
    entitlements: { moduleId: number; quantity: number | null }[];
    notAfter: string;
  } | null;
}

/** A rental plan in `GET /v1/rental-plans`. */
export interface RentalPlan {
  id: string;
  name: string;
  period: 'day' | 'week' | 'month' | string;
  price: number;
  currency: string;
  graceMs: number;
  entitlements: { moduleId: number; quantity: number | null }[];
  createdAt: number;
}
