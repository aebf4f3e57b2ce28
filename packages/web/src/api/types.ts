/** Shapes of the node's API answers the dashboard reads (see docs/api.md). */

export interface LicenseAnswer {
  state: { state: 'valid' | 'missing' | 'expired' | 'not_yet_valid'; detail: string };
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
  } | null;
  installedAt: number | null;
}

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
  quotaState: string | null;
  licensed: boolean;
}

export interface Holder {
  holderId: string;
  leaseId: string;
  since: number;
  lastHeartbeatAt: number;
  lastActivityAt: number;
  expiresAt: number;
  state: 'active' | 'connected' | 'expired';
}

export interface MemberRow {
  memberId: string;
  position: number;
  state: 'active' | 'blocked';
  firstConnectedAt: number;
  lastSeenAt: number;
  features: number[];
}

export interface PoolDetail {
  summary: PoolSummary;
  holders: Holder[];
  members: MemberRow[];
  nextMemberCursor: number | null;
  nextCursor: string | null;
  quota: { moduleId: number; count: number; reportedAt: number; state: string } | null;
}

export interface FeedEvent {
  seq: number;
  id: string;
  type: string;
  moduleId: number | null;
  subject: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

export interface UsageSample {
  at: number;
  used: number;
  quantity: number | null;
  blocked: number;
}

export interface UsageModule {
  moduleId: number;
  name: string;
  quantity: number | null;
  peak: { at: number; used: number; quantity: number | null } | null;
  samples: UsageSample[];
}

export interface UsageAnswer {
  intervalMs: number;
  retentionMs: number;
  from: number;
  to: number;
  truncated: boolean;
  modules: UsageModule[];
}

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

export interface Account {
  id: string;
  customer: { id: string; name: string };
  currency: string;
  balance: number;
  balanceText: string;
  createdAt: number;
  rentals: Rental[];
}

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

export interface ChildNode {
  id: string;
  name: string;
  hardwareKey: string;
  /** The module the parent counts this node against (subordinate servers), or null. */
  countedAs: number | null;
  state: 'active' | 'blocked' | 'unlicensed' | string;
  message: string;
  licenseState: string | null;
  registeredAt: string;
  lastSyncAt: string;
  online: boolean;
  allocation: { seq: number; modules: Record<string, number>; updatedAt: string | null } | null;
  usage: { moduleId: number; quantity: number | null; used: number; blocked: number }[];
  children: ChildNode[];
}

export interface NodesAnswer {
  nodeId: string;
  distributable: boolean;
  distributableDetail: string;
  held: Record<string, number | null>;
  allocated: Record<string, number>;
  items: ChildNode[];
}

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
  allocation: { id: string; seq: number; entitlements: { moduleId: number; quantity: number | null }[]; notAfter: string } | null;
}

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
