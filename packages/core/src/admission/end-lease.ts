import type { Change, DomainEvent, DomainEventType, Lease, PoolState, Tombstone } from './pool-state.js';

/** How long a tombstone is remembered: long enough for a holder's next heartbeat or reconnect to learn why. */
export const TOMBSTONE_TTL_MS = 60 * 60 * 1000;
/** Cap per pool, so a flood of short-lived holders cannot grow memory without bound. */
export const MAX_TOMBSTONES_PER_POOL = 10_000;

const EVENT_FOR: Record<Tombstone['reason'], DomainEventType> = {
  expired: 'slot.expired',
  released: 'slot.released',
  evicted: 'slot.evicted',
  force_released: 'slot.force_released',
};

/** Removes a lease, remembers why in a tombstone and returns the change and event to record. */
export function endLease(
  pool: PoolState,
  lease: Lease,
  reason: Tombstone['reason'],
  now: number,
  extra: { by?: string; lowered?: number; data?: Record<string, unknown> } = {},
): { change: Change; event: DomainEvent } {
  pool.leases.delete(lease.holderId);
  const tomb: Tombstone = { reason, at: now };
  if (extra.by !== undefined) tomb.by = extra.by;
  if (extra.lowered !== undefined) tomb.lowered = extra.lowered;
  // Delete first so Map insertion order stays chronological; pruneTombstones relies on it.
  pool.tombstones.delete(lease.holderId);
  pool.tombstones.set(lease.holderId, tomb);
  return {
    change: { kind: 'lease.delete', moduleId: lease.moduleId, holderId: lease.holderId },
    event: {
      type: EVENT_FOR[reason],
      moduleId: lease.moduleId,
      subject: lease.holderId,
      data: { leaseId: lease.leaseId, ...extra.data },
    },
  };
}

/** Drops tombstones older than TOMBSTONE_TTL_MS and the oldest beyond MAX_TOMBSTONES_PER_POOL; O(dropped). */
export function pruneTombstones(pool: PoolState, now: number): number {
  let dropped = 0;
  // Insertion order is chronological (endLease re-inserts), so stop at the first young entry.
  for (const [holderId, tomb] of pool.tombstones) {
    if (pool.tombstones.size <= MAX_TOMBSTONES_PER_POOL && now - tomb.at < TOMBSTONE_TTL_MS) break;
    pool.tombstones.delete(holderId);
    dropped++;
  }
  return dropped;
}

/** Ends every lease whose expiresAt <= now; shared by acquire (reap before counting) and the reaper. */
export function reapExpired(
  pool: PoolState,
  now: number,
): { expired: Lease[]; changes: Change[]; events: DomainEvent[] } {
  const expired: Lease[] = [];
  const changes: Change[] = [];
  const events: DomainEvent[] = [];
  // Nothing can have expired before the floor: skip the walk (every acquire comes through here).
  if (now < pool.expiryFloor) {
    pruneTombstones(pool, now);
    return { expired, changes, events };
  }
  let floor = Number.POSITIVE_INFINITY;
  for (const lease of pool.leases.values()) {
    if (lease.expiresAt > now) {
      if (lease.expiresAt < floor) floor = lease.expiresAt;
      continue;
    }
    const { change, event } = endLease(pool, lease, 'expired', now, { data: { expiredAt: lease.expiresAt } });
    expired.push({ ...lease });
    changes.push(change);
    events.push(event);
  }
  pool.expiryFloor = floor;
  pruneTombstones(pool, now);
  return { expired, changes, events };
}
