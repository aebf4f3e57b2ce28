import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acquireLease, heartbeatLease, type PoolState, setPoolQuantity } from '@licensor/core';
import { lid, manager, SEC, T0, uncounted, waiter } from './admission-fixtures.js';

/** Takes slots for `holders`, one second apart. */
function fill(pool: PoolState, holders: string[], start = T0) {
  holders.forEach((holderId, i) => {
    const d = acquireLease(pool, { holderId, newLeaseId: lid(), sessionId: null }, start + i * SEC);
    assert.ok(d.outcome.ok, holderId);
  });
}

describe('a lowered quantity ends the slots beyond it', () => {
  test('REJECT_NEW: the latest taken lose their slots first, as slot.evicted with reason quantity_lowered', () => {
    const pool = manager(5);
    fill(pool, ['a', 'b', 'c', 'd', 'e']);
    const d = setPoolQuantity(pool, 3, T0 + 10 * SEC);
    assert.deepEqual([...pool.leases.keys()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject, e.data?.reason, e.data?.quantity]),
      [
        ['slot.evicted', 'e', 'quantity_lowered', 3],
        ['slot.evicted', 'd', 'quantity_lowered', 3],
      ],
    );
    assert.deepEqual(
      d.changes.map((c) => c.kind === 'lease.delete' && c.holderId),
      ['e', 'd'],
    );
    // The evicted holder's next heartbeat says why.
    const beat = heartbeatLease(pool, { holderId: 'e', active: false }, T0 + 11 * SEC);
    assert.ok(!beat.outcome.ok);
    assert.equal(beat.outcome.code, 'LEASE_EVICTED');
    assert.match(beat.outcome.message, /licensed quantity fell to 3/);
    // The rest keep working, and nothing new is admitted until one leaves.
    assert.ok(heartbeatLease(pool, { holderId: 'a', active: false }, T0 + 11 * SEC).outcome.ok);
    assert.ok(!acquireLease(pool, { holderId: 'f', newLeaseId: lid(), sessionId: null }, T0 + 12 * SEC).outcome.ok);
  });

  test('EVICT_INACTIVE: the idlest lose their slots first', () => {
    const pool = waiter(4);
    fill(pool, ['w1', 'w2', 'w3', 'w4']);
    // w1 and w3 were active recently; w2 and w4 idle since they arrived.
    heartbeatLease(pool, { holderId: 'w1', active: true }, T0 + 30 * SEC);
    heartbeatLease(pool, { holderId: 'w3', active: true }, T0 + 30 * SEC);
    heartbeatLease(pool, { holderId: 'w2', active: false }, T0 + 30 * SEC);
    heartbeatLease(pool, { holderId: 'w4', active: false }, T0 + 30 * SEC);
    const d = setPoolQuantity(pool, 2, T0 + 40 * SEC);
    assert.deepEqual([...pool.leases.keys()].sort(), ['w1', 'w3']);
    assert.deepEqual(
      d.events.map((e) => e.subject),
      ['w2', 'w4'],
    );
  });

  test('expired leases end as expired first and are not counted; quantity 0 ends every slot; unlimited ends none', () => {
    const pool = manager(3);
    fill(pool, ['a', 'b', 'c']);
    // 'a' was taken first and expires first (60 s TTL, no heartbeat); the others are heartbeating.
    heartbeatLease(pool, { holderId: 'b', active: false }, T0 + 50 * SEC);
    heartbeatLease(pool, { holderId: 'c', active: false }, T0 + 50 * SEC);
    const d = setPoolQuantity(pool, 2, T0 + 61 * SEC);
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject]),
      [['slot.expired', 'a']],
    );
    assert.equal(pool.leases.size, 2);
    assert.equal(setPoolQuantity(pool, null, T0 + 62 * SEC).events.length, 0);
    assert.equal(pool.leases.size, 2);
    setPoolQuantity(pool, 0, T0 + 63 * SEC);
    assert.equal(pool.leases.size, 0);
  });

  test('pools without slots are left alone', () => {
    const pool = uncounted();
    assert.deepEqual(setPoolQuantity(pool, 0, T0), { changes: [], events: [] });
  });

  test('a module no longer licensed at all is closed, not trimmed: the license check refuses its holders, saying why', () => {
    const pool = manager(3);
    fill(pool, ['a', 'b']);
    assert.deepEqual(setPoolQuantity(pool, 0, T0 + 5 * SEC, undefined, false), { changes: [], events: [] });
    assert.equal(pool.leases.size, 2);
    assert.equal(pool.quantity, 0);
  });
});
