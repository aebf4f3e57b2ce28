import type { Lease } from '@licensor/core';
import type { HolderRow } from '@licensor/protocol';

/** A holder row for pool listings. */
export function holderView(l: Lease, now: number): HolderRow {
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
