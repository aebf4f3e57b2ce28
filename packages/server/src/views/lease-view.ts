import type { Lease } from '@licensor/core';
import type { LeaseView } from '@licensor/protocol';

/** How often a holder should heartbeat: a third of the TTL, so two lost heartbeats don't cost the slot. */
export function heartbeatIntervalMs(ttlSeconds: number): number {
  return Math.max(1000, Math.floor((ttlSeconds * 1000) / 3));
}

/** A lease as the API and the session show it. */
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
