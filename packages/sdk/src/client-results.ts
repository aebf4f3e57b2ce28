import type {
  LicenseEntitlement,
  LicenseStateName,
  MemberSyncAnswer,
  QuotaAnswer,
  SessionPush,
  SessionStatusAnswer,
  StatusAnswer,
} from '@licensor/protocol';

/**
 * A member's standing in a BLOCK_LATEST pool (a cash register, a subordinate server): `blocked` means it is beyond the
 * licensed quantity or its profile enables unlicensed add-ons (`reasons`, `missingFeatures`, `detail` say which).
 */
export type MemberState = MemberSyncAnswer;

/** The node's license as this client last heard it: kept current by the node's pushes (session transport). */
export interface ClientLicense {
  state: LicenseStateName;
  detail: string;
  /** True while the node runs a developer license: every slot is for testing, not production. */
  nonProduction: boolean;
  /** Per licensed module, the quantity this node grants (null = unlimited); a module not listed is not licensed. */
  entitlements: LicenseEntitlement[];
}

/** The state of a DEGRADE pool after a report: the operations allowed and refused in that state. */
export type QuotaState = QuotaAnswer;

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

/** The node's status: `GET /v1/status` over HTTP, the session's `status` answer over the session. */
export type NodeStatus = StatusAnswer | SessionStatusAnswer;

/** A module of the node's catalog, as much as the SDK needs of it. */
export interface CatalogModule {
  id: number;
  name: string;
  kind: 'application' | 'feature' | 'plugin-instance' | 'connection' | string;
  /** Admission strategy: REJECT_NEW, EVICT_INACTIVE, BLOCK_LATEST, DEGRADE or UNCOUNTED. */
  strategy: string;
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
