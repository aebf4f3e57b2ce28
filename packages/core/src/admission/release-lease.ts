import { fail, ok } from '@licensor/protocol';
import { endLease } from './end-lease.js';
import { LEASE_STRATEGIES, refuse, requireStrategy } from './pool-guards.js';
import type { Decision, PoolState } from './pool-state.js';

/** Releases a holder's lease; idempotent, so a retried release (or one after expiry) is not an error. */
export function releaseLease(
  pool: PoolState,
  req: { holderId: string; leaseId?: string },
  now: number,
): Decision<{ released: boolean }> {
  const mismatch = requireStrategy(pool, LEASE_STRATEGIES, 'releasing a slot');
  if (mismatch) return refuse(mismatch);
  const lease = pool.leases.get(req.holderId);
  // A stale leaseId means the slot now belongs to another session of this holder: releasing must not free it.
  if (!lease || (req.leaseId !== undefined && req.leaseId !== lease.leaseId)) {
    return { outcome: ok({ released: false }), changes: [], events: [] };
  }
  const { change, event } = endLease(pool, lease, 'released', now);
  return { outcome: ok({ released: true }), changes: [change], events: [event] };
}

/** An administrator frees a stuck holder's slot; the holder's next heartbeat is told who did it. */
export function forceReleaseLease(
  pool: PoolState,
  holderId: string,
  actor: string,
  now: number,
): Decision<{ released: boolean }> {
  const mismatch = requireStrategy(pool, LEASE_STRATEGIES, 'force-releasing a slot');
  if (mismatch) return refuse(mismatch);
  const lease = pool.leases.get(holderId);
  if (!lease) {
    return refuse(
      fail('LEASE_NOT_FOUND', `${pool.module.name}: ${holderId} holds no lease`, {
        data: { reason: pool.tombstones.get(holderId)?.reason ?? 'unknown', moduleId: pool.module.id },
      }),
    );
  }
  const { change, event } = endLease(pool, lease, 'force_released', now, { by: actor, data: { by: actor } });
  return { outcome: ok({ released: true }), changes: [change], events: [event] };
}
