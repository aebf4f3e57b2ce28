import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acquireLease, heartbeatLease } from '@licensor/core';
import { lid, MIN, manager, registers, SEC, T0, uncounted, waiter } from './admission-fixtures.js';

describe('acquireLease — REJECT_NEW', () => {
  test('grants a slot with a TTL from the module and records put + slot.acquired', () => {
    const pool = manager(5);
    const d = acquireLease(pool, { holderId: 'pos-1', newLeaseId: 'lse_a', sessionId: 'ses_1' }, T0);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.reacquired, false);
    assert.deepEqual(d.outcome.value.lease, {
      moduleId: 4001,
      holderId: 'pos-1',
      leaseId: 'lse_a',
      sessionId: 'ses_1',
      acquiredAt: T0,
      lastHeartbeatAt: T0,
      lastActivityAt: T0,
      expiresAt: T0 + 60 * SEC,
    });
    assert.deepEqual(d.changes, [{ kind: 'lease.put', lease: d.outcome.value.lease }]);
    assert.deepEqual(d.events, [
      { type: 'slot.acquired', moduleId: 4001, subject: 'pos-1', data: { leaseId: 'lse_a' } },
    ]);
    assert.equal(pool.leases.size, 1);
  });

  test('same holder twice occupies one slot and keeps its leaseId', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'pos-1', newLeaseId: 'lse_a', sessionId: 'ses_1' }, T0);
    const d = acquireLease(pool, { holderId: 'pos-1', newLeaseId: 'lse_b', sessionId: 'ses_2' }, T0 + 10 * SEC);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.reacquired, true);
    assert.equal(d.outcome.value.lease.leaseId, 'lse_a');
    assert.equal(d.outcome.value.lease.sessionId, 'ses_2');
    assert.equal(d.outcome.value.lease.acquiredAt, T0);
    assert.equal(d.outcome.value.lease.expiresAt, T0 + 70 * SEC);
    assert.equal(d.events[0]?.type, 'slot.reacquired');
    assert.equal(pool.leases.size, 1);
  });

  test('full pool refuses with a message a cashier can read', () => {
    const pool = manager(5);
    for (let i = 1; i <= 5; i++)
      assert.ok(acquireLease(pool, { holderId: `c${i}`, newLeaseId: lid(), sessionId: null }, T0).outcome.ok);
    const d = acquireLease(pool, { holderId: 'c6', newLeaseId: lid(), sessionId: null }, T0 + SEC);
    assert.equal(d.outcome.ok, false);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'INSUFFICIENT_LICENSE');
    assert.equal(d.outcome.message, 'OpenService.Manager: connections exceeded: 5 of 5 in use');
    assert.deepEqual(d.outcome.data, { used: 5, quantity: 5, moduleId: 4001 });
    assert.deepEqual(d.changes, []);
    assert.equal(pool.leases.size, 5);
  });

  test('quantity 0 refuses everyone', () => {
    const d = acquireLease(manager(0), { holderId: 'c1', newLeaseId: lid(), sessionId: null }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'INSUFFICIENT_LICENSE');
    assert.match(d.outcome.message, /0 of 0 in use/);
  });

  test('unlimited quantity (null) never refuses', () => {
    const pool = manager(null);
    for (let i = 0; i < 1000; i++)
      assert.ok(acquireLease(pool, { holderId: `c${i}`, newLeaseId: lid(), sessionId: null }, T0).outcome.ok);
    assert.equal(pool.leases.size, 1000);
  });

  test('an expired lease is reaped first, freeing its slot (slot.expired + tombstone)', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'old', newLeaseId: 'lse_old', sessionId: null }, T0);
    const d = acquireLease(pool, { holderId: 'new', newLeaseId: 'lse_new', sessionId: null }, T0 + 60 * SEC);
    assert.ok(d.outcome.ok);
    assert.deepEqual(
      d.changes.map((c) => c.kind),
      ['lease.delete', 'lease.put'],
    );
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject]),
      [
        ['slot.expired', 'old'],
        ['slot.acquired', 'new'],
      ],
    );
    assert.equal(pool.tombstones.get('old')?.reason, 'expired');
  });

  test('a lease one millisecond before expiry still holds the slot', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'old', newLeaseId: lid(), sessionId: null }, T0);
    const d = acquireLease(pool, { holderId: 'new', newLeaseId: lid(), sessionId: null }, T0 + 60 * SEC - 1);
    assert.ok(!d.outcome.ok);
  });

  test('a refusal still reports the reaping it did', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 60 * SEC); // a expired, b took it
    pool.quantity = 0;
    const d = acquireLease(pool, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 120 * SEC);
    assert.ok(!d.outcome.ok);
    assert.deepEqual(d.changes, [{ kind: 'lease.delete', moduleId: 4001, holderId: 'b' }]);
  });

  test('a successful acquire clears the holder tombstone', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 61 * SEC);
    assert.ok(pool.tombstones.has('a'));
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0 + 200 * SEC);
    assert.equal(pool.tombstones.has('a'), false);
  });

  test('after a quantity shrink, refuses while used >= quantity and never evicts', () => {
    const pool = manager(3);
    for (const h of ['a', 'b', 'c']) acquireLease(pool, { holderId: h, newLeaseId: lid(), sessionId: null }, T0);
    pool.quantity = 2;
    const d = acquireLease(pool, { holderId: 'd', newLeaseId: lid(), sessionId: null }, T0 + SEC);
    assert.ok(!d.outcome.ok);
    assert.match(d.outcome.message, /3 of 2 in use/);
    // Existing holders keep re-taking their own slots.
    assert.ok(acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0 + 2 * SEC).outcome.ok);
  });

  test('plugin-instance modules say "plugin instances"', () => {
    const pool = manager(1);
    pool.module = { ...pool.module, name: 'CustomerScreen', kind: 'plugin-instance' };
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    const d = acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.message, 'CustomerScreen: plugin instances exceeded: 1 of 1 in use');
  });

  test('other strategies get MODULE_KIND_MISMATCH naming the module and strategy', () => {
    for (const pool of [registers(3), uncounted()]) {
      const d = acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
      assert.ok(!d.outcome.ok);
      assert.equal(d.outcome.code, 'MODULE_KIND_MISMATCH');
      assert.match(d.outcome.message, new RegExp(`${pool.module.name}.*${pool.module.policy.strategy}`));
    }
  });

  test('an empty holderId is a validation failure naming the field', () => {
    const d = acquireLease(manager(1), { holderId: '', newLeaseId: lid(), sessionId: null }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'VALIDATION_FAILED');
    assert.equal(d.outcome.field, 'holderId');
  });

  test('returned leases are snapshots: mutating them does not touch the pool', () => {
    const pool = manager(1);
    const d = acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_x', sessionId: null }, T0);
    assert.ok(d.outcome.ok);
    d.outcome.value.lease.expiresAt = 0;
    assert.equal(pool.leases.get('a')?.expiresAt, T0 + 60 * SEC);
  });
});

describe('acquireLease — EVICT_INACTIVE', () => {
  function fill(pool: ReturnType<typeof waiter>, idleAt: Record<string, number>) {
    for (const [h, at] of Object.entries(idleAt)) {
      acquireLease(pool, { holderId: h, newLeaseId: `lse_${h}`, sessionId: null }, at);
    }
  }

  test('evicts the holder idle longest once past the threshold', () => {
    const pool = waiter(3, 900);
    pool.module = { ...pool.module, heartbeatTtlSeconds: 3600 };
    fill(pool, { w1: T0 + 2 * MIN, w2: T0, w3: T0 + 1 * MIN });
    const now = T0 + 15 * MIN;
    const d = acquireLease(pool, { holderId: 'w4', newLeaseId: 'lse_w4', sessionId: null }, now);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.evicted?.holderId, 'w2');
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject, e.data]),
      [
        ['slot.evicted', 'w2', { leaseId: 'lse_w2', evictedFor: 'w4', idleSeconds: 900 }],
        ['slot.acquired', 'w4', { leaseId: 'lse_w4' }],
      ],
    );
    assert.deepEqual(
      d.changes.map((c) => c.kind),
      ['lease.delete', 'lease.put'],
    );
    assert.deepEqual(pool.tombstones.get('w2'), { reason: 'evicted', at: now, by: 'w4' });
    assert.deepEqual([...pool.leases.keys()].sort(), ['w1', 'w3', 'w4']);
  });

  test('threshold boundary: idle one millisecond short is refused with the idle times', () => {
    const pool = waiter(2, 900);
    pool.module = { ...pool.module, heartbeatTtlSeconds: 3600 };
    fill(pool, { w1: T0, w2: T0 + 5 * MIN });
    const d = acquireLease(pool, { holderId: 'w3', newLeaseId: lid(), sessionId: null }, T0 + 15 * MIN - 1);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'INSUFFICIENT_LICENSE');
    assert.equal(
      d.outcome.message,
      'OpenService.Mobile Waiter: connections exceeded: 2 of 2 in use; none idle for 15 min (longest idle 14 min)',
    );
    assert.equal(d.outcome.data?.longestIdleSeconds, 899);
    assert.equal(pool.leases.size, 2);
  });

  test('activity heartbeats protect a holder; passive heartbeats do not', () => {
    const pool = waiter(2, 600);
    fill(pool, { w1: T0, w2: T0 });
    // Both keep their leases alive; only w1 reports activity.
    for (let t = T0 + 30 * SEC; t <= T0 + 10 * MIN; t += 30 * SEC) {
      assert.ok(heartbeatLease(pool, { holderId: 'w1', active: true }, t).outcome.ok);
      assert.ok(heartbeatLease(pool, { holderId: 'w2', active: false }, t).outcome.ok);
    }
    const d = acquireLease(pool, { holderId: 'w3', newLeaseId: lid(), sessionId: null }, T0 + 10 * MIN);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.evicted?.holderId, 'w2');
  });

  test('eviction order: least recent activity first; ties go to the earliest acquisition, then holder id', () => {
    const pool = waiter(2, 30);
    acquireLease(pool, { holderId: 'y', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool, { holderId: 'x', newLeaseId: lid(), sessionId: null }, T0 + SEC);
    // Same lastActivityAt for both; y was acquired first.
    heartbeatLease(pool, { holderId: 'x', active: true }, T0 + 2 * SEC);
    heartbeatLease(pool, { holderId: 'y', active: true }, T0 + 2 * SEC);
    const d = acquireLease(pool, { holderId: 'z', newLeaseId: lid(), sessionId: null }, T0 + 40 * SEC);
    assert.equal(d.outcome.ok && d.outcome.value.evicted?.holderId, 'y');

    const pool2 = waiter(2, 30);
    acquireLease(pool2, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool2, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    const d2 = acquireLease(pool2, { holderId: 'c', newLeaseId: lid(), sessionId: null }, T0 + 30 * SEC);
    assert.equal(d2.outcome.ok && d2.outcome.value.evicted?.holderId, 'a');
  });

  test('threshold boundary: idle exactly the threshold is evictable', () => {
    const pool = waiter(1, 30);
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    assert.ok(!acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 30 * SEC - 1).outcome.ok);
    const d = acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 30 * SEC);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.evicted?.holderId, 'a');
    assert.equal(d.events[0]?.data?.idleSeconds, 30);
  });

  test('evicts at most one, and none when the pool is over a shrunk quantity', () => {
    const pool = waiter(3, 60);
    pool.module = { ...pool.module, heartbeatTtlSeconds: 3600 };
    fill(pool, { a: T0, b: T0, c: T0 });
    pool.quantity = 2;
    const d = acquireLease(pool, { holderId: 'd', newLeaseId: lid(), sessionId: null }, T0 + 10 * MIN);
    assert.ok(!d.outcome.ok);
    assert.match(d.outcome.message, /3 of 2 in use/);
    assert.equal(pool.leases.size, 3);
    assert.deepEqual(d.changes, []);
  });

  test('quantity 0 never evicts', () => {
    const pool = waiter(0, 0);
    const d = acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    assert.ok(!d.outcome.ok);
  });

  test("the evicted holder's heartbeat says LEASE_EVICTED and who took the slot", () => {
    const pool = waiter(1, 60);
    acquireLease(pool, { holderId: 'w1', newLeaseId: 'lse_w1', sessionId: null }, T0);
    heartbeatLease(pool, { holderId: 'w1', active: false }, T0 + 50 * SEC);
    const now = T0 + 61 * SEC;
    assert.ok(acquireLease(pool, { holderId: 'w2', newLeaseId: lid(), sessionId: null }, now).outcome.ok);
    const hb = heartbeatLease(pool, { holderId: 'w1', leaseId: 'lse_w1', active: true }, now + SEC);
    assert.ok(!hb.outcome.ok);
    assert.equal(hb.outcome.code, 'LEASE_EVICTED');
    assert.equal(
      hb.outcome.message,
      `OpenService.Mobile Waiter: the lease of w1 was evicted at ${new Date(now).toISOString()} to make room for w2`,
    );
    assert.equal(hb.outcome.data?.reason, 'evicted');
    assert.equal(hb.outcome.data?.at, now);
  });
});
