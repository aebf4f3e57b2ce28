import { type Failure, fail, ok } from '@licensor/protocol';
import { endLease, reapExpired } from './end-lease.js';
import { formatDuration, LEASE_STRATEGIES, refuse, requireStrategy, snapshotLease } from './pool-guards.js';
import { type Decision, type Lease, type PoolState, putLease } from './pool-state.js';

/** What acquireLease asks for; newLeaseId is minted by the caller so core stays deterministic. */
export interface AcquireRequest {
  holderId: string;
  newLeaseId: string;
  sessionId: string | null;
}

/** What a granted acquire returns. */
export interface AcquireResult {
  lease: Lease;
  reacquired: boolean;
  evicted?: Lease;
}

/** Takes (or re-takes) a slot for a holder in a REJECT_NEW / EVICT_INACTIVE pool; refuses or evicts when full. */
export function acquireLease(pool: PoolState, req: AcquireRequest, now: number): Decision<AcquireResult> {
  const mismatch = requireStrategy(pool, LEASE_STRATEGIES, 'acquiring a slot');
  if (mismatch) return refuse(mismatch);
  if (typeof req.holderId !== 'string' || req.holderId.length === 0) {
    return refuse(fail('VALIDATION_FAILED', 'holderId must be a non-empty string', { field: 'holderId' }));
  }
  if (!req.newLeaseId) throw new Error('acquireLease: newLeaseId is required');

  const { changes, events } = reapExpired(pool, now);
  const { module } = pool;
  const ttl = module.heartbeatTtlSeconds * 1000;
  const existing = pool.leases.get(req.holderId);
  if (existing) {
    // Idempotent per holder: a device that crashed and came back re-takes its own slot, not a second one.
    const lease: Lease = {
      ...existing,
      sessionId: req.sessionId,
      lastHeartbeatAt: now,
      lastActivityAt: now,
      expiresAt: now + ttl,
    };
    putLease(pool, lease);
    pool.tombstones.delete(lease.holderId);
    const snap = snapshotLease(lease);
    changes.push({ kind: 'lease.put', lease: snap });
    events.push({
      type: 'slot.reacquired',
      moduleId: module.id,
      subject: lease.holderId,
      data: { leaseId: lease.leaseId, sessionId: req.sessionId },
    });
    return { outcome: ok({ lease: snap, reacquired: true }), changes, events };
  }

  let evicted: Lease | undefined;
  const { quantity } = pool;
  const used = pool.leases.size;
  if (quantity !== null && used >= quantity) {
    const victim =
      module.policy.strategy === 'EVICT_INACTIVE' && used === quantity && quantity > 0 ? pickVictim(pool) : undefined;
    const threshold = module.policy.strategy === 'EVICT_INACTIVE' ? module.policy.idleThresholdSeconds * 1000 : 0;
    if (!victim || now - victim.lastActivityAt < threshold)
      return refuse(fullFailure(pool, used, quantity, victim, now), changes, events);
    const idleSeconds = Math.floor((now - victim.lastActivityAt) / 1000);
    const end = endLease(pool, victim, 'evicted', now, {
      by: req.holderId,
      data: { evictedFor: req.holderId, idleSeconds },
    });
    evicted = snapshotLease(victim);
    changes.push(end.change);
    events.push(end.event);
  }

  const lease: Lease = {
    moduleId: module.id,
    holderId: req.holderId,
    leaseId: req.newLeaseId,
    sessionId: req.sessionId,
    acquiredAt: now,
    lastHeartbeatAt: now,
    lastActivityAt: now,
    expiresAt: now + ttl,
  };
  putLease(pool, lease);
  pool.tombstones.delete(lease.holderId);
  const snap = snapshotLease(lease);
  changes.push({ kind: 'lease.put', lease: snap });
  events.push({
    type: 'slot.acquired',
    moduleId: module.id,
    subject: lease.holderId,
    data: { leaseId: lease.leaseId },
  });
  return {
    outcome: ok(evicted ? { lease: snap, reacquired: false, evicted } : { lease: snap, reacquired: false }),
    changes,
    events,
  };
}

/** The lease idle longest (smallest lastActivityAt); ties go to the oldest acquisition, then holder id, for determinism. */
function pickVictim(pool: PoolState): Lease | undefined {
  let best: Lease | undefined;
  for (const l of pool.leases.values()) {
    if (
      !best ||
      l.lastActivityAt < best.lastActivityAt ||
      (l.lastActivityAt === best.lastActivityAt &&
        (l.acquiredAt < best.acquiredAt || (l.acquiredAt === best.acquiredAt && l.holderId < best.holderId)))
    ) {
      best = l;
    }
  }
  return best;
}

/** The INSUFFICIENT_LICENSE refusal, worded for the person at the device. */
function fullFailure(pool: PoolState, used: number, quantity: number, victim: Lease | undefined, now: number): Failure {
  const { module } = pool;
  const noun = module.kind === 'plugin-instance' ? 'plugin instances' : 'connections';
  let message = `${module.name}: ${noun} exceeded: ${used} of ${quantity} in use`;
  const data: Record<string, unknown> = { used, quantity, moduleId: module.id };
  if (quantity === 0) message += ' (the license grants none)';
  else if (used > quantity) message += ' (the licensed quantity was reduced below the slots in use)';
  else if (module.policy.strategy === 'EVICT_INACTIVE' && victim) {
    const threshold = module.policy.idleThresholdSeconds * 1000;
    const longest = now - victim.lastActivityAt;
    message += `; none idle for ${formatDuration(threshold)} (longest idle ${formatDuration(longest)})`;
    data.idleThresholdSeconds = module.policy.idleThresholdSeconds;
    data.longestIdleSeconds = Math.floor(longest / 1000);
  }
  return fail('INSUFFICIENT_LICENSE', message, { data });
}
