import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { acquireLease, joinMember, reportQuota, summarizePool } from '@licensor/core';
import { manager, processing, registers, SEC, T0, uncounted } from './admission-fixtures.js';

describe('summarizePool', () => {
  test('lease pools count live leases only', () => {
    const pool = manager(5);
    acquireLease(pool, { holderId: 'a', newLeaseId: 'l1', sessionId: null }, T0);
    acquireLease(pool, { holderId: 'b', newLeaseId: 'l2', sessionId: null }, T0 + 30 * SEC);
    assert.deepEqual(summarizePool(pool, T0 + 60 * SEC), {
      moduleId: 4001,
      name: 'OpenService.Manager',
      kind: 'application',
      strategy: 'REJECT_NEW',
      quantity: 5,
      used: 1,
      free: 4,
      holders: 1,
      members: 0,
      blocked: 0,
      blockedByProfile: 0,
      quotaState: null,
    });
  });

  test('member pools count active members; free never negative', () => {
    const pool = registers(2);
    for (const id of ['r1', 'r2', 'r3']) joinMember(pool, { memberId: id }, T0);
    const s = summarizePool(pool, T0);
    assert.equal(s.used, 2);
    assert.equal(s.free, 0);
    assert.equal(s.members, 3);
    assert.equal(s.blocked, 1);
  });

  test('quota pools report the count; unlimited and uncounted pools', () => {
    const pool = processing(10);
    reportQuota(pool, { count: 12 }, T0);
    const s = summarizePool(pool, T0);
    assert.equal(s.used, 12);
    assert.equal(s.free, 0);
    assert.equal(s.quotaState, 'over_quota');
    const u = summarizePool(uncounted(), T0);
    assert.equal(u.used, 0);
    assert.equal(u.free, null);
    assert.equal(summarizePool(processing(3), T0).quotaState, null);
  });
});
