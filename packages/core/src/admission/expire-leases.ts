import { ok } from '@licensor/protocol';
import { reapExpired } from './end-lease.js';
import { snapshotLease } from './pool-guards.js';
import { type Change, type Decision, type Lease, type PoolState, putLease } from './pool-state.js';

export { MAX_TOMBSTONES_PER_POOL, TOMBSTONE_TTL_MS } from './end-lease.js';

/** The reaper: ends every lease past its expiry and prunes old tombstones. Safe on any pool (no-op without leases). */
export function expireLeases(pool: PoolState, now: number): Decision<{ expired: Lease[] }> {
  const { expired, changes, events } = reapExpired(pool, now);
  return { outcome: ok({ expired }), changes, events };
}

/** A session dropped: its leases lose the session and live at most `graceMs` more, so a reconnect can re-take them. */
export function detachSession(
  pool: PoolState,
  sessionId: string,
  graceMs: number,
  now: number,
): Decision<{ detached: number }> {
  const changes: Change[] = [];
  for (const lease of pool.leases.values()) {
    if (lease.sessionId !== sessionId) continue;
    const next: Lease = { ...lease, sessionId: null, expiresAt: Math.min(lease.expiresAt, now + graceMs) };
    putLease(pool, next);
    changes.push({ kind: 'lease.put', lease: snapshotLease(next) });
  }
  return { outcome: ok({ detached: changes.length }), changes, events: [] };
}

/** The earliest lease expiry in the pool (for scheduling the reaper), or null when it holds no lease. */
export function nextExpiry(pool: PoolState): number | null {
  let next: number | null = null;
  for (const lease of pool.leases.values()) if (next === null || lease.expiresAt < next) next = lease.expiresAt;
  return next;
}
