import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquireLease, detachSession, putLease, releaseLease } from '@licensor/core';
import { lid, manager, SEC, T0 } from './admission-fixtures.js';

// Acquire skips the walk over a pool's leases while no lease can have expired (the pool's expiry floor). These cases
// would go wrong with a floor that is not a lower bound: each one lowers an expiry after the floor was computed.

const expiredBy = (d: { events: { type: string; subject: string }[] }) =>
  d.events.filter((e) => e.type === 'slot.expired').map((e) => e.subject);

test('expiry floor: a lease shortened by a dropped session still expires on time at the next acquire', () => {
  const pool = manager(null);
  acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: 'ses_1' }, T0);
  acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: 'ses_2' }, T0);
  // The floor is now about T0 + 60 s; the drop shortens a's lease to T0 + 20 s.
  acquireLease(pool, { holderId: 'warm', newLeaseId: lid(), sessionId: null }, T0 + SEC);
  detachSession(pool, 'ses_1', 15 * SEC, T0 + 5 * SEC);
  assert.deepEqual(
    expiredBy(acquireLease(pool, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 19 * SEC)),
    [],
  );
  assert.deepEqual(
    expiredBy(acquireLease(pool, { holderId: 'd', newLeaseId: lid(), sessionId: null }, T0 + 20 * SEC)),
    ['a'],
  );
  assert.equal(pool.leases.has('a'), false);
  assert.equal(pool.leases.has('b'), true);
});

test('expiry floor: a lease loaded with an earlier expiry (putLease) is reaped by the next acquire', () => {
  const pool = manager(null);
  acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
  acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + SEC); // floor ≈ T0 + 60 s
  putLease(pool, {
    moduleId: pool.module.id,
    holderId: 'old',
    leaseId: lid(),
    sessionId: null,
    acquiredAt: T0 - 60 * SEC,
    lastHeartbeatAt: T0 - 60 * SEC,
    lastActivityAt: T0 - 60 * SEC,
    expiresAt: T0 + 2 * SEC,
  });
  assert.deepEqual(expiredBy(acquireLease(pool, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 3 * SEC)), [
    'old',
  ]);
});

test('expiry floor: releases and re-acquires never hide an expiry; a full pool frees an expired slot first', () => {
  const pool = manager(2);
  acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
  acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 30 * SEC);
  releaseLease(pool, { holderId: 'b' }, T0 + 31 * SEC);
  acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 32 * SEC);
  // Full until a's lease (T0 + 60 s) runs out; then the next device gets its slot.
  assert.equal(
    acquireLease(pool, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 59 * SEC).outcome.ok,
    false,
  );
  const d = acquireLease(pool, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 60 * SEC);
  assert.equal(d.outcome.ok, true);
  assert.deepEqual(expiredBy(d), ['a']);
});
