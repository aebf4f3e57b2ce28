import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acquireLease,
  detachSession,
  expireLeases,
  forceReleaseLease,
  MAX_TOMBSTONES_PER_POOL,
  nextExpiry,
  releaseLease,
  TOMBSTONE_TTL_MS,
} from '@licensor/core';
import { lid, MIN, manager, processing, SEC, T0, waiter } from './admission-fixtures.js';

describe('releaseLease / forceReleaseLease', () => {
  test('release frees the slot, records slot.released and a tombstone; a second release is a no-op', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: null }, T0);
    const d = releaseLease(pool, { holderId: 'a', leaseId: 'lse_a' }, T0 + SEC);
    assert.deepEqual(d.outcome, { ok: true, value: { released: true } });
    assert.deepEqual(d.changes, [{ kind: 'lease.delete', moduleId: 4001, holderId: 'a' }]);
    assert.deepEqual(d.events, [{ type: 'slot.released', moduleId: 4001, subject: 'a', data: { leaseId: 'lse_a' } }]);
    assert.deepEqual(pool.tombstones.get('a'), { reason: 'released', at: T0 + SEC });
    const again = releaseLease(pool, { holderId: 'a' }, T0 + 2 * SEC);
    assert.deepEqual(again, { outcome: { ok: true, value: { released: false } }, changes: [], events: [] });
    assert.ok(acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 2 * SEC).outcome.ok);
  });

  test('a stale leaseId does not release the slot another session re-took', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: null }, T0);
    const d = releaseLease(pool, { holderId: 'a', leaseId: 'lse_other' }, T0 + SEC);
    assert.deepEqual(d.outcome, { ok: true, value: { released: false } });
    assert.equal(pool.leases.size, 1);
  });

  test('force release records the actor; missing holder is LEASE_NOT_FOUND', () => {
    const pool = waiter(1);
    acquireLease(pool, { holderId: 'stuck', newLeaseId: 'lse_s', sessionId: null }, T0);
    const d = forceReleaseLease(pool, 'stuck', 'usr_admin', T0 + MIN);
    assert.deepEqual(d.outcome, { ok: true, value: { released: true } });
    assert.deepEqual(d.events, [
      { type: 'slot.force_released', moduleId: 4005, subject: 'stuck', data: { leaseId: 'lse_s', by: 'usr_admin' } },
    ]);
    assert.deepEqual(pool.tombstones.get('stuck'), { reason: 'force_released', at: T0 + MIN, by: 'usr_admin' });
    const missing = forceReleaseLease(pool, 'stuck', 'usr_admin', T0 + MIN);
    assert.ok(!missing.outcome.ok);
    assert.equal(missing.outcome.code, 'LEASE_NOT_FOUND');
  });

  test('release on a DEGRADE pool is MODULE_KIND_MISMATCH', () => {
    const d = releaseLease(processing(5), { holderId: 'a' }, T0);
    assert.ok(!d.outcome.ok);
    assert.equal(d.outcome.code, 'MODULE_KIND_MISMATCH');
  });
});

describe('expireLeases / detachSession / nextExpiry', () => {
  test('TTL expiry frees slots: expiresAt <= now is expired', () => {
    const pool = manager(3);
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: lid(), sessionId: null }, T0 + 10 * SEC);
    assert.equal(nextExpiry(pool), T0 + 60 * SEC);
    const early = expireLeases(pool, T0 + 60 * SEC - 1);
    assert.ok(early.outcome.ok);
    assert.deepEqual(early.outcome.value.expired, []);
    const d = expireLeases(pool, T0 + 60 * SEC);
    assert.ok(d.outcome.ok);
    assert.deepEqual(
      d.outcome.value.expired.map((l) => l.holderId),
      ['a'],
    );
    assert.deepEqual(d.changes, [{ kind: 'lease.delete', moduleId: 4001, holderId: 'a' }]);
    assert.equal(d.events[0]?.type, 'slot.expired');
    assert.equal(nextExpiry(pool), T0 + 70 * SEC);
    expireLeases(pool, T0 + 70 * SEC);
    assert.equal(nextExpiry(pool), null);
  });

  test('expireLeases on a pool without leases is a harmless no-op', () => {
    const d = expireLeases(processing(1), T0);
    assert.deepEqual(d, { outcome: { ok: true, value: { expired: [] } }, changes: [], events: [] });
  });

  test('tombstones are pruned after an hour and capped per pool, oldest first', () => {
    const pool = manager(null);
    acquireLease(pool, { holderId: 'old', newLeaseId: lid(), sessionId: null }, T0);
    releaseLease(pool, { holderId: 'old' }, T0);
    acquireLease(pool, { holderId: 'young', newLeaseId: lid(), sessionId: null }, T0 + 30 * MIN);
    releaseLease(pool, { holderId: 'young' }, T0 + 30 * MIN);
    expireLeases(pool, T0 + TOMBSTONE_TTL_MS - 1);
    assert.deepEqual([...pool.tombstones.keys()], ['old', 'young']);
    expireLeases(pool, T0 + TOMBSTONE_TTL_MS);
    assert.deepEqual([...pool.tombstones.keys()], ['young']);

    const t = T0 + 2 * TOMBSTONE_TTL_MS;
    for (let i = 0; i < MAX_TOMBSTONES_PER_POOL + 5; i++) {
      acquireLease(pool, { holderId: `h${i}`, newLeaseId: lid(), sessionId: null }, t + i);
      releaseLease(pool, { holderId: `h${i}` }, t + i);
    }
    expireLeases(pool, t + MAX_TOMBSTONES_PER_POOL + 5);
    assert.equal(pool.tombstones.size, MAX_TOMBSTONES_PER_POOL);
    assert.equal(pool.tombstones.has('h4'), false);
    assert.equal(pool.tombstones.has('h5'), true);
  });

  test('a holder that lost a lease and got a new tombstone moves to the young end', () => {
    const pool = manager(null);
    for (const h of ['a', 'b']) {
      acquireLease(pool, { holderId: h, newLeaseId: lid(), sessionId: null }, T0);
      releaseLease(pool, { holderId: h }, T0);
    }
    acquireLease(pool, { holderId: 'a', newLeaseId: lid(), sessionId: null }, T0 + 50 * MIN);
    releaseLease(pool, { holderId: 'a' }, T0 + 50 * MIN);
    expireLeases(pool, T0 + TOMBSTONE_TTL_MS);
    assert.deepEqual([...pool.tombstones.keys()], ['a']);
  });

  test('detachSession shortens the session leases to the grace; re-acquire within grace keeps the leaseId', () => {
    const pool = manager(2);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: 'ses_1' }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: 'lse_b', sessionId: 'ses_2' }, T0);
    const d = detachSession(pool, 'ses_1', 15 * SEC, T0 + 5 * SEC);
    assert.deepEqual(d.outcome, { ok: true, value: { detached: 1 } });
    assert.deepEqual(d.events, []);
    assert.equal(d.changes.length, 1);
    const detached = pool.leases.get('a');
    assert.equal(detached?.sessionId, null);
    assert.equal(detached?.expiresAt, T0 + 20 * SEC);
    assert.equal(pool.leases.get('b')?.expiresAt, T0 + 60 * SEC);
    assert.deepEqual(d.changes[0], { kind: 'lease.put', lease: detached });

    const back = acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_new', sessionId: 'ses_3' }, T0 + 19 * SEC);
    assert.ok(back.outcome.ok);
    assert.equal(back.outcome.value.reacquired, true);
    assert.equal(back.outcome.value.lease.leaseId, 'lse_a');
    assert.equal(back.outcome.value.lease.sessionId, 'ses_3');
  });

  test('detachSession never extends a lease, and after the grace the slot is free', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: 'ses_1' }, T0);
    detachSession(pool, 'ses_1', 10 * MIN, T0 + 5 * SEC);
    assert.equal(pool.leases.get('a')?.expiresAt, T0 + 60 * SEC);
    detachSession(pool, 'ses_1', 0, T0 + 6 * SEC); // already detached: no longer that session's lease
    assert.equal(pool.leases.get('a')?.expiresAt, T0 + 60 * SEC);
    const other = acquireLease(pool, { holderId: 'b', newLeaseId: 'lse_b', sessionId: null }, T0 + 60 * SEC);
    assert.ok(other.outcome.ok);
    const late = acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a2', sessionId: null }, T0 + 61 * SEC);
    assert.ok(!late.outcome.ok);
  });

  test('a holder returning after its detached lease expired gets a new leaseId', () => {
    const pool = manager(1);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a', sessionId: 'ses_1' }, T0);
    detachSession(pool, 'ses_1', 0, T0 + SEC);
    const d = acquireLease(pool, { holderId: 'a', newLeaseId: 'lse_a2', sessionId: 'ses_2' }, T0 + SEC);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.reacquired, false);
    assert.equal(d.outcome.value.lease.leaseId, 'lse_a2');
  });
});
