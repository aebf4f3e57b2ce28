import { fail, ok } from '@licensor/protocol';
import { endLease } from './end-lease.js';
import { iso, LEASE_STRATEGIES, refuse, requireStrategy, snapshotLease } from './pool-guards.js';
import { type Decision, type Lease, type PoolState, putLease } from './pool-state.js';

/** A heartbeat from a holder; `active` says the user did something since the last one (EVICT_INACTIVE idleness). */
export interface HeartbeatRequest {
  holderId: string;
  /** When given, must match the live lease: a holder whose slot was re-taken by another session must learn it lost. */
  leaseId?: string;
  active: boolean;
  /** When given, the lease moves to this session (null detaches it). */
  sessionId?: string | null;
}

/** Extends a live lease by the module's TTL; explains why when the lease is gone (evicted, expired, released). */
export function heartbeatLease(pool: PoolState, req: HeartbeatRequest, now: number): Decision<Lease> {
  const mismatch = requireStrategy(pool, LEASE_STRATEGIES, 'heartbeating a slot');
  if (mismatch) return refuse(mismatch);
  const { module } = pool;
  const lease = pool.leases.get(req.holderId);

  if (lease && lease.expiresAt <= now) {
    // Expired but not yet reaped: reap it here so the answer and the store agree.
    const end = endLease(pool, lease, 'expired', now, { data: { expiredAt: lease.expiresAt } });
    const failure = fail(
      'LEASE_NOT_FOUND',
      `${module.name}: the lease of ${req.holderId} expired at ${iso(lease.expiresAt)}; acquire again`,
      {
        data: { reason: 'expired', at: lease.expiresAt, moduleId: module.id },
      },
    );
    return refuse(failure, [end.change], [end.event]);
  }
  if (!lease) return refuse(missingLease(pool, req.holderId));
  if (req.leaseId !== undefined && req.leaseId !== lease.leaseId) {
    return refuse(
      fail(
        'LEASE_NOT_FOUND',
        `${module.name}: lease ${req.leaseId} of ${req.holderId} is no longer live; the slot was re-taken by another session`,
        {
          data: { reason: 'superseded', moduleId: module.id },
        },
      ),
    );
  }

  const next: Lease = { ...lease, lastHeartbeatAt: now, expiresAt: now + module.heartbeatTtlSeconds * 1000 };
  if (req.active) next.lastActivityAt = now;
  if (req.sessionId !== undefined) next.sessionId = req.sessionId;
  putLease(pool, next);
  const snap = snapshotLease(next);
  // No event: heartbeats are the hot path and say nothing an admin needs to see.
  return { outcome: ok(snap), changes: [{ kind: 'lease.put', lease: snap }], events: [] };
}

const REASON_TEXT = {
  expired: 'expired',
  released: 'released',
  force_released: 'force-released by an administrator',
  evicted: 'evicted',
} as const;

/** LEASE_EVICTED when a tombstone says so (the holder must tell its user), else LEASE_NOT_FOUND with what is known. */
function missingLease(pool: PoolState, holderId: string) {
  const { module } = pool;
  const tomb = pool.tombstones.get(holderId);
  if (tomb?.reason === 'evicted') {
    const order = module.policy.strategy === 'EVICT_INACTIVE' ? 'the idlest go first' : 'the latest taken go first';
    const lowered = tomb.lowered !== undefined;
    const why = lowered
      ? `because the licensed quantity fell to ${tomb.lowered}, below the slots in use (${order})`
      : `to make room for ${tomb.by ?? 'another holder'}`;
    const cause = lowered ? { quantityLowered: tomb.lowered } : { by: tomb.by };
    return fail('LEASE_EVICTED', `${module.name}: the lease of ${holderId} was evicted at ${iso(tomb.at)} ${why}`, {
      data: { reason: tomb.reason, at: tomb.at, ...cause, moduleId: module.id },
    });
  }
  if (!tomb) {
    return fail('LEASE_NOT_FOUND', `${module.name}: no live lease for ${holderId}; acquire a slot first`, {
      data: { reason: 'unknown', moduleId: module.id },
    });
  }
  const by = tomb.by ? ` (${tomb.by})` : '';
  return fail(
    'LEASE_NOT_FOUND',
    `${module.name}: no live lease for ${holderId}: it was ${REASON_TEXT[tomb.reason]}${by} at ${iso(tomb.at)}`,
    {
      data: { reason: tomb.reason, at: tomb.at, by: tomb.by, moduleId: module.id },
    },
  );
}
