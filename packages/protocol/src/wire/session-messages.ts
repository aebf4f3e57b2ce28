import type { Problem } from '../errors/problem.js';

/**
 * The SDK session: one WebSocket per client at `GET /v1/session` (token in `Authorization: Bearer …` or
 * `?token=`). Requests carry a client-chosen numeric `id`; the node answers each with the same `id`, in any order.
 * The node also pushes notices (no `id`) when something happens that an application must learn at once.
 * Either side may send an array of messages as one WebSocket message: the SDK batches the requests it makes in one
 * turn of its event loop, and the node the answers and pushes of one group commit — one frame and one write for many.
 */
export type SessionRequest =
  | { id: number; op: 'acquire'; moduleId: number; holderId: string }
  | { id: number; op: 'heartbeat'; leases: { moduleId: number; holderId: string; leaseId: string; active: boolean }[] }
  | { id: number; op: 'release'; moduleId: number; holderId: string; leaseId?: string }
  | { id: number; op: 'member.sync'; moduleId: number; memberId: string; features?: number[] }
  | { id: number; op: 'quota.report'; moduleId: number; count: number }
  | { id: number; op: 'quota.check'; moduleId: number; operation: string }
  | { id: number; op: 'profile.check'; moduleId: number; features: number[] }
  | { id: number; op: 'enabled'; moduleId: number }
  | { id: number; op: 'status' };

/** Every session operation name. */
export type SessionOp = SessionRequest['op'];

/** The answer to one request. */
export type SessionResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Problem };

/** A lease as the node reports it. Times are ms since the epoch. */
export interface LeaseView {
  moduleId: number;
  holderId: string;
  leaseId: string;
  acquiredAt: number;
  expiresAt: number;
  /** The node wants a heartbeat at least this often. */
  heartbeatIntervalMs: number;
  reacquired: boolean;
  nonProduction?: boolean;
}

/** Result of `heartbeat`: per lease, either renewed (with the node's current non-production flag) or lost with the reason. */
export interface HeartbeatResult {
  leases: (
    | { moduleId: number; holderId: string; ok: true; expiresAt: number; nonProduction?: boolean }
    | { moduleId: number; holderId: string; ok: false; error: Problem }
  )[];
}

/** The license state of a node: every client hears it on connect and again, at once, whenever it changes. */
export type LicenseStateName = 'valid' | 'missing' | 'expired' | 'not_yet_valid' | 'blocked';

/** What the node's license gives its clients now: per licensed module, the quantity (null = unlimited). */
export interface LicenseEntitlement {
  moduleId: number;
  quantity: number | null;
}

/** Something the node pushes to a session without being asked. */
export type SessionPush =
  | {
      push: 'hello';
      sessionId: string;
      heartbeatIntervalMs: number;
      graceMs: number;
      nonProduction: boolean;
      /** The license as of the hello: its state and what it grants. */
      license?: { state: LicenseStateName; detail: string; entitlements: LicenseEntitlement[] };
    }
  | {
      push: 'lease.lost';
      moduleId: number;
      holderId: string;
      leaseId: string;
      reason: 'evicted' | 'force_released' | 'expired';
      detail: string;
    }
  | {
      push: 'member.state';
      moduleId: number;
      memberId: string;
      state: 'active' | 'blocked';
      position: number;
      quantity: number | null;
      /** Why it is blocked (blocked only): beyond the licensed quantity, or its profile enables unlicensed add-ons. */
      reason?: 'beyond_quantity' | 'features_unlicensed';
      /** The add-on module IDs the license lacks, when that is the reason. */
      missingFeatures?: number[];
    }
  | { push: 'quota.state'; moduleId: number; state: 'ok' | 'over_quota'; count: number; quantity: number | null }
  | {
      push: 'license.state';
      state: LicenseStateName;
      detail: string;
      /** True while the node runs a developer license (every answer is non-production). */
      nonProduction?: boolean;
      /** What the license grants now, per module. */
      entitlements?: LicenseEntitlement[];
    };

/** Any message the node sends on a session. */
export type SessionServerMessage = SessionResponse | SessionPush;
