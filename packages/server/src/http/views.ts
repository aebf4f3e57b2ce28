import type { Lease, Member } from '@licensor/core';
import type { LeaseView } from '@licensor/protocol';

/** How often a holder should heartbeat: a third of the TTL, so two lost heartbeats don't cost the slot. */
export function heartbeatIntervalMs(ttlSeconds: number): number {
  return Math.max(1000, Math.floor((ttlSeconds * 1000) / 3));
}

/** A lease as the API shows it. */
export function leaseView(lease: Lease, ttlSeconds: number, reacquired: boolean, nonProduction: boolean): LeaseView {
  return {
    moduleId: lease.moduleId,
    holderId: lease.holderId,
    leaseId: lease.leaseId,
    acquiredAt: lease.acquiredAt,
    expiresAt: lease.expiresAt,
    heartbeatIntervalMs: heartbeatIntervalMs(ttlSeconds),
    reacquired,
    ...(nonProduction ? { nonProduction: true } : {}),
  };
}

/** A holder row for pool listings. */
export function holderView(l: Lease, now: number) {
  return {
    holderId: l.holderId,
    leaseId: l.leaseId,
    since: l.acquiredAt,
    lastHeartbeatAt: l.lastHeartbeatAt,
    lastActivityAt: l.lastActivityAt,
    expiresAt: l.expiresAt,
    state: l.expiresAt <= now ? 'expired' : l.sessionId ? 'connected' : 'active',
  };
}

/** A member row for pool listings. */
export function memberView(m: Member, position: number) {
  return {
    memberId: m.memberId,
    position,
    state: m.state,
    blockedReason: m.blockedReason,
    firstConnectedAt: m.firstConnectedAt,
    lastSeenAt: m.lastSeenAt,
    features: m.features,
    missingFeatures: m.missingFeatures,
  };
}
