import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acquireLease, forceReleaseLease, heartbeatLease, releaseLease } from '@licensor/core';
import { lid, manager, registers, SEC, T0, waiter } from './admission-fixtures.js';

describe('heartbeatLease', () => {
  test('refreshes lastHeartbeatAt and expiresAt; activity only when active', () => {
    const pool = waiter(2);
    acquireLease(pool, { holderId: 'w1', newLeaseId: 'lse_1', sessionId: 's1' }, T0);
    const passive = heartbeatLease(pool, { holderId: 'w1', leaseId: 'lse_1', active: false }, T0 + 20 * SEC);
    assert.ok(passive.outcome.ok);
    assert.equal(passive.outcome.value.lastHeartbeatAt, T0 + 20 * SEC);
    assert.equal(passive.outcome.value.expiresAt, T0 + 80 * SEC);
    assert.equal(passive.outcome.value.lastActivityAt, T0);
    assert.equal(passive.outcome.value.sessionId, 's1');
    assert.deepEqual(passive.changes, [{ kind: 'lease.put', lease: passive.outcome.value }]);
    assert.deepEqual(passive.events, []);
    const active = heartbeatLease(pool, { holderId: 'w1', active: true, sessionId: 's2' }, T0 + 40 * SEC);
    assert.ok(active.outcome.ok);
    assert.equal(active.outcome.value.lastActivityAt, T0 + 40 * SEC);
    assert.equal(active.outcome.value.sessionId, 's2');
    assert.deepEqual(pool.leases.get('w1'), active.outcome.value);
  });

  test('an expired lease is reaped on heartbeat and reported as LEASE_NOT_FOUND/expired', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: null }, T0);
    const d = heartbeatLease(pool, { holderId: 'a', leaseId: 'lse_a', active: true }, T0 + 60 * SEC);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'LEASE_NOT_FOUND');
    assert.equal(d.outcome.data?.reason, 'expired');
    assert.match(d.outcome.message, /expired at 2026-03-01T09:01:00\.000Z/);
    assert.deepEqual(d.changes, [{ kind: 'lease.delete', moduleId: 4001, holderId: 'a' }]);
    assert.equal(d.events[0]?.type, 'slot.expired');
    assert.equal(pool.leases.size, 0);
    assert.equal(pool.tombstones.get('a')?.reason, 'expired');
    // Asking again: the tombstone still explains it.
    const again = heartbeatLease(pool, { holderId: 'a', active: true }, T0 + 61 * SEC);
    assert.ok(!again.outcome.ok);
    assert.equal(again.outcome.data?.reason, 'expired');
  });

  test('unknown holder: LEASE_NOT_FOUND with reason unknown', () => {
    const d = heartbeatLease(manager(1), { holderId: 'ghost', active: false }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'LEASE_NOT_FOUND');
    assert.deepEqual(d.outcome.data, { reason: 'unknown', moduleId: 4001 });
  });

  test('after release or force-release the reason is known', () => {
    const pool = manager(2);
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0);
    releaseLease(pool, { holderId: 'a' }, T0 + SEC);
    forceReleaseLease(pool, 'b', 'admin@cafe', T0 + SEC);
    const a = heartbeatLease(pool, { holderId: 'a', active: false }, T0 + 2 * SEC);
    const b = heartbeatLease(pool, { holderId: 'b', active: false }, T0 + 2 * SEC);
    assert.ok(!a.outcome.ok && !b.outcome.ok);
    assert.equal(a.outcome.data?.reason, 'released');
    assert.equal(b.outcome.code, 'LEASE_NOT_FOUND');
    assert.equal(b.outcome.data?.reason, 'force_released');
    assert.match(b.outcome.message, /force-released by an administrator \(admin@cafe\)/);
  });

  test('a leaseId that no longer matches: the slot was re-taken by another session', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_1', sessionId: 's1' }, T0);
    const d = heartbeatLease(pool, { holderId: 'a', leaseId: 'lse_old', active: true }, T0 + SEC);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'LEASE_NOT_FOUND');
    assert.match(d.outcome.message, /re-taken by another session/);
    assert.deepEqual(d.changes, []);
    assert.equal(pool.leases.get('a')?.lastHeartbeatAt, T0);
  });

  test('MODULE_KIND_MISMATCH on a BLOCK_LATEST pool', () => {
    const d = heartbeatLease(registers(1), { holderId: 'a', active: true }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'MODULE_KIND_MISMATCH');
  });
});
