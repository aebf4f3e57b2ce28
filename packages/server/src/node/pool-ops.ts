import { ok, type Outcome } from '@licensor/protocol';
import type { AuditActor } from '../store/store.js';
import type { Admission, OpContext } from './admission.js';

/** A pool operation as one process sends it to the process owning the pool. */
export type PoolOp =
  | { op: 'acquire'; moduleId: number; holderId: string; sessionId: string | null }
  | { op: 'heartbeat'; moduleId: number; holderId: string; leaseId?: string; active: boolean }
  | { op: 'release'; moduleId: number; holderId: string; leaseId?: string }
  | { op: 'forceRelease'; moduleId: number; holderId: string; actorName: string; actor?: AuditActor }
  | { op: 'syncMember'; moduleId: number; memberId: string; features?: number[] }
  | { op: 'removeMember'; moduleId: number; memberId: string; actor?: AuditActor }
  | { op: 'reportQuota'; moduleId: number; count: number }
  | { op: 'detachSession'; sessionId: string };

/** The owner's answer: the operation's outcome, or `moved` when the pool is no longer decided there. */
export type PeerAnswer = { outcome: Outcome<unknown> } | { moved: true };

/** How operations reach another process (the HTTP adapter implements it). */
export interface PeerChannel {
  /** Sends one operation to the process at `url`; rejects when that process cannot be reached. */
  send(url: string, op: PoolOp): Promise<PeerAnswer>;
}

/** The admission operations a transport calls: the node's own Admission, or the router in front of it. */
export type AdmissionApi = Pick<
  Admission,
  | 'acquire'
  | 'heartbeat'
  | 'release'
  | 'forceRelease'
  | 'syncMember'
  | 'removeMember'
  | 'reportQuota'
  | 'checkOperation'
  | 'checkProfile'
  | 'isEnabled'
  | 'detachSession'
  | 'sessionGraceMs'
>;

/**
 * Runs an operation on this process's Admission (the pool is owned here). `ctx` is the caller's own (idempotency,
 * actor) when the operation started here; a forwarded one carries only its actor.
 */
export function runPoolOp(
  admission: Admission,
  op: PoolOp,
  ctx: OpContext = 'actor' in op && op.actor ? { actor: op.actor } : {},
): Promise<Outcome<unknown>> {
  switch (op.op) {
    case 'acquire':
      return admission.acquire(op.moduleId, op.holderId, op.sessionId, ctx);
    case 'heartbeat':
      return admission.heartbeat(op.moduleId, op.holderId, op.leaseId, op.active, ctx);
    case 'release':
      return admission.release(op.moduleId, op.holderId, op.leaseId, ctx);
    case 'forceRelease':
      return admission.forceRelease(op.moduleId, op.holderId, op.actorName, ctx);
    case 'syncMember':
      return admission.syncMember(op.moduleId, op.memberId, op.features, ctx);
    case 'removeMember':
      return admission.removeMember(op.moduleId, op.memberId, ctx);
    case 'reportQuota':
      return admission.reportQuota(op.moduleId, op.count, ctx);
    case 'detachSession':
      return admission.detachSession(op.sessionId).then(() => ok(null));
  }
}
