import { endLease, reapExpired } from './end-lease.js';
import { LEASE_STRATEGIES } from './pool-guards.js';
import type { Change, DomainEvent, Lease, PoolState } from './pool-state.js';

/**
 * A lease pool whose quantity fell below its live leases (a smaller license, a share allocated to a child node) ends
 * the excess at once: the signed quantity is the limit, whoever holds the slots, and a holder that keeps
 * heartbeating would otherwise keep a slot the license no longer grants for as long as it runs. REJECT_NEW ends the
 * latest taken first (as BLOCK_LATEST blocks the latest connected); EVICT_INACTIVE the idlest first, as its own
 * evictions do. Each ends as `slot.evicted` with `reason: quantity_lowered`.
 */
export function trimLeases(pool: PoolState, now: number): { changes: Change[]; events: DomainEvent[] } {
  const { quantity } = pool;
  if (quantity === null || !LEASE_STRATEGIES.includes(pool.module.policy.strategy)) return { changes: [], events: [] };
  // Only live leases hold slots: the expired ones end as expired first.
  const { changes, events } = reapExpired(pool, now);
  const excess = pool.leases.size - quantity;
  if (excess <= 0) return { changes, events };
  const order = pool.module.policy.strategy === 'EVICT_INACTIVE' ? idlestFirst : latestFirst;
  for (const lease of [...pool.leases.values()].sort(order).slice(0, excess)) {
    const end = endLease(pool, lease, 'evicted', now, {
      lowered: quantity,
      data: { reason: 'quantity_lowered', quantity },
    });
    changes.push(end.change);
    events.push(end.event);
  }
  return { changes, events };
}

/** Latest acquisition first; ties by holder id, for determinism. */
function latestFirst(a: Lease, b: Lease): number {
  return b.acquiredAt - a.acquiredAt || (a.holderId < b.holderId ? 1 : a.holderId > b.holderId ? -1 : 0);
}

/** Idle longest first, then the oldest acquisition, then holder id (the order of EVICT_INACTIVE's own evictions). */
function idlestFirst(a: Lease, b: Lease): number {
  return (
    a.lastActivityAt - b.lastActivityAt ||
    a.acquiredAt - b.acquiredAt ||
    (a.holderId < b.holderId ? -1 : a.holderId > b.holderId ? 1 : 0)
  );
}
