import type { LicenseEntitlement, LicenseStateName, SessionPush } from '@licensor/protocol';

/** A member's standing in a BLOCK_LATEST pool (a cash register, a subordinate server). */
export interface MemberState {
  /** `blocked`: the member is beyond the licensed quantity (or its profile has unlicensed features); its sync must stop. */
  state: 'active' | 'blocked';
  /** 1-based position in order of first connection. */
  position: number;
  /** Licensed quantity; null = unlimited. */
  quantity: number | null;
  /** Feature module IDs the profile enables without a license, when that is why it is blocked. */
  missingFeatures?: number[];
  /** Why the member is blocked: `beyond_quantity` (connected after the licensed number), `features_unlicensed` (its profile enables add-ons the license lacks, listed in `missingFeatures`; it takes no seat). */
  reasons?: ('beyond_quantity' | 'features_unlicensed')[];
  /** A readable explanation when blocked. */
  detail?: string;
}

/** The node's license as this client last heard it: kept current by the node's pushes (session transport). */
export interface ClientLicense {
  state: LicenseStateName;
  detail: string;
  /** True while the node runs a developer license: every slot is for testing, not production. */
  nonProduction: boolean;
  /** Per licensed module, the quantity this node grants (null = unlimited); a module not listed is not licensed. */
  entitlements: LicenseEntitlement[];
}

/** The state of a DEGRADE pool after a report. */
export interface QuotaState {
  state: 'ok' | 'over_quota';
  count: number;
  quantity: number | null;
  /** Operations allowed in the current state (over quota: only those still allowed, e.g. debits on existing accounts). */
  allowed: string[];
  /** Operations refused in the current state (over quota: e.g. new data in or out). */
  refused: string[];
}

/** The answer of `checkOperation` when the operation is allowed. */
export interface OperationCheck {
  allowed: true;
  operation: string;
  state: 'ok' | 'over_quota';
}

/** The answer of `checkProfile`: `blocked` lists the features the license lacks. */
export interface ProfileCheck {
  state: 'active' | 'blocked';
  missingFeatures: number[];
}

/** The node's status as `GET /v1/status` reports it (license state, hardware key source, non-production flag, …). */
export interface NodeStatus {
  license?: { state?: 'valid' | 'missing' | 'expired' | 'not_yet_valid' | 'blocked'; [key: string]: unknown } | null;
  nonProduction?: boolean;
  [key: string]: unknown;
}

/** A module of the node's catalog, as much as the SDK needs of it. */
export interface CatalogModule {
  id: number;
  name?: string;
  kind?: 'application' | 'feature' | 'plugin-instance' | 'connection' | string;
  /** Admission strategy: REJECT_NEW, EVICT_INACTIVE, BLOCK_LATEST, DEGRADE or UNCOUNTED. */
  strategy?: string;
}

/** The hello the node pushes when a session opens. */
export type SessionHello = Extract<SessionPush, { push: 'hello' }>;
/** Pushed when a lease was taken away (evicted, force-released, expired). */
export type LeaseLostPush = Extract<SessionPush, { push: 'lease.lost' }>;
/** Pushed when a member is blocked or unblocked. */
export type MemberStatePush = Extract<SessionPush, { push: 'member.state' }>;
/** Pushed when a DEGRADE pool goes over quota or back. */
export type QuotaStatePush = Extract<SessionPush, { push: 'quota.state' }>;
/** Pushed when the node's license becomes valid, missing or expired. */
export type LicenseStatePush = Extract<SessionPush, { push: 'license.state' }>;
