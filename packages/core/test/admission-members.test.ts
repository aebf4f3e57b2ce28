import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expireMembers, joinMember, type PoolState, removeMember, setPoolQuantity } from '@licensor/core';
import { MIN, manager, registers, SEC, T0 } from './admission-fixtures.js';

const states = (pool: PoolState) => Object.fromEntries([...pool.members.values()].map((m) => [m.memberId, m.state]));

function joinAll(pool: PoolState, ids: string[], start = T0) {
  return ids.map((id, i) => joinMember(pool, { memberId: id }, start + i * SEC));
}

describe('BLOCK_LATEST members', () => {
  test('members beyond the quantity are blocked, latest first-connection first', () => {
    const pool = registers(2);
    const [r1, r2, r3] = joinAll(pool, ['reg-1', 'reg-2', 'reg-3']);
    assert.ok(r1?.outcome.ok && r2?.outcome.ok && r3?.outcome.ok);
    assert.deepEqual(r1.outcome.value, {
      member: {
        moduleId: 4002,
        memberId: 'reg-1',
        seq: 1,
        firstConnectedAt: T0,
        lastSeenAt: T0,
        state: 'active',
        blockedReason: null,
        features: [],
        missingFeatures: [],
      },
      position: 1,
      quantity: 2,
    });
    assert.equal(r3.outcome.value.member.state, 'blocked');
    assert.equal(r3.outcome.value.position, 3);
    assert.deepEqual(
      r3.events.map((e) => [e.type, e.subject, e.data]),
      [
        ['member.joined', 'reg-3', { seq: 3 }],
        ['member.blocked', 'reg-3', { reason: 'beyond_quantity', modules: [], position: 3, quantity: 2 }],
      ],
    );
    // One put for the new member, carrying its final state.
    assert.deepEqual(r3.changes, [{ kind: 'member.put', member: r3.outcome.value.member }]);
  });

  test('re-sync updates lastSeenAt and features but keeps the place in line', () => {
    const pool = registers(1);
    setPoolQuantity(pool, 1, T0, new Set([2103]));
    joinAll(pool, ['a', 'b']);
    const d = joinMember(pool, { memberId: 'b', features: [2103] }, T0 + MIN);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.member.state, 'blocked');
    assert.equal(d.outcome.value.member.firstConnectedAt, T0 + SEC);
    assert.equal(d.outcome.value.member.lastSeenAt, T0 + MIN);
    assert.deepEqual(d.outcome.value.member.features, [2103]);
    assert.deepEqual(d.events, []);
    assert.deepEqual(d.changes, [{ kind: 'member.put', member: d.outcome.value.member }]);
    const keep = joinMember(pool, { memberId: 'b' }, T0 + 2 * MIN);
    assert.ok(keep.outcome.ok);
    assert.deepEqual(keep.outcome.value.member.features, [2103]);
  });

  test('same first-connection time: join sequence breaks the tie', () => {
    const pool = registers(1);
    joinMember(pool, { memberId: 'z' }, T0);
    const d = joinMember(pool, { memberId: 'a' }, T0);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.member.state, 'blocked');
    assert.equal(d.outcome.value.position, 2);
  });

  test('removing an active member unblocks the next in order of first connection', () => {
    const pool = registers(2);
    joinAll(pool, ['r1', 'r2', 'r3', 'r4']);
    const d = removeMember(pool, 'r1', T0 + MIN);
    assert.ok(d.outcome.ok);
    assert.deepEqual(d.outcome.value.unblocked, ['r3']);
    assert.deepEqual(
      d.changes.map((c) => (c.kind === 'member.put' ? [c.kind, c.member.memberId, c.member.state] : [c.kind])),
      [['member.delete'], ['member.put', 'r3', 'active']],
    );
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject]),
      [
        ['member.removed', 'r1'],
        ['member.unblocked', 'r3'],
      ],
    );
    assert.deepEqual(d.events[1]?.data, { reason: 'beyond_quantity', modules: [], position: 2, quantity: 2 });
    assert.deepEqual(states(pool), { r2: 'active', r3: 'active', r4: 'blocked' });
  });

  test('removing a blocked member changes no one else; missing member is NOT_FOUND', () => {
    const pool = registers(1);
    joinAll(pool, ['r1', 'r2']);
    const d = removeMember(pool, 'r2', T0 + MIN);
    assert.deepEqual(
      d.events.map((e) => e.type),
      ['member.removed'],
    );
    const missing = removeMember(pool, 'r2', T0 + MIN);
    assert.ok(!missing.outcome.ok);
    assert.equal(missing.outcome.code, 'NOT_FOUND');
  });

  test('quantity grows: blocked members unblock in order; shrinks: the latest are blocked', () => {
    const pool = registers(1);
    joinAll(pool, ['r1', 'r2', 'r3', 'r4']);
    const grow = setPoolQuantity(pool, 3, T0 + MIN);
    assert.deepEqual(
      grow.events.map((e) => [e.type, e.subject, e.data]),
      [
        ['member.unblocked', 'r2', { reason: 'beyond_quantity', modules: [], position: 2, quantity: 3 }],
        ['member.unblocked', 'r3', { reason: 'beyond_quantity', modules: [], position: 3, quantity: 3 }],
      ],
    );
    assert.equal(grow.changes.length, 2);
    const shrink = setPoolQuantity(pool, 1, T0 + 2 * MIN);
    assert.deepEqual(
      shrink.events.map((e) => [e.type, e.subject]),
      [
        ['member.blocked', 'r2'],
        ['member.blocked', 'r3'],
      ],
    );
    assert.deepEqual(states(pool), { r1: 'active', r2: 'blocked', r3: 'blocked', r4: 'blocked' });
    setPoolQuantity(pool, null, T0 + 3 * MIN);
    assert.deepEqual(states(pool), { r1: 'active', r2: 'active', r3: 'active', r4: 'active' });
    setPoolQuantity(pool, 0, T0 + 4 * MIN);
    assert.deepEqual(states(pool), { r1: 'blocked', r2: 'blocked', r3: 'blocked', r4: 'blocked' });
    assert.deepEqual(setPoolQuantity(pool, 0, T0 + 5 * MIN), { changes: [], events: [] });
  });

  test('setPoolQuantity rejects a malformed quantity as a bug', () => {
    assert.throws(() => setPoolQuantity(registers(1), -1, T0), RangeError);
    assert.throws(() => setPoolQuantity(registers(1), 1.5, T0), RangeError);
  });

  test('expireMembers drops members silent past the threshold and unblocks the next', () => {
    const pool = registers(1, 600);
    joinMember(pool, { memberId: 'r1' }, T0);
    joinMember(pool, { memberId: 'r2' }, T0 + SEC);
    joinMember(pool, { memberId: 'r2' }, T0 + 5 * MIN); // r2 keeps syncing while blocked
    assert.deepEqual(expireMembers(pool, T0 + 10 * MIN - 1).changes, []);
    const d = expireMembers(pool, T0 + 10 * MIN);
    assert.ok(d.outcome.ok);
    assert.deepEqual(
      d.outcome.value.expired.map((m) => m.memberId),
      ['r1'],
    );
    assert.deepEqual(
      d.events.map((e) => [e.type, e.subject]),
      [
        ['member.expired', 'r1'],
        ['member.unblocked', 'r2'],
      ],
    );
    assert.deepEqual(d.events[0]?.data, { state: 'active', lastSeenAt: T0, inactiveAfterSeconds: 600 });
    assert.deepEqual(
      d.changes.map((c) => c.kind),
      ['member.delete', 'member.put'],
    );
  });

  test('expireMembers without a threshold, or on other strategies, does nothing', () => {
    const pool = registers(1, null);
    joinMember(pool, { memberId: 'r1' }, T0);
    assert.deepEqual(expireMembers(pool, T0 + 365 * 24 * 60 * MIN).changes, []);
    assert.equal(pool.members.size, 1);
    assert.deepEqual(expireMembers(manager(1), T0).outcome, { ok: true, value: { expired: [] } });
  });

  test('joinMember validates input and strategy', () => {
    const bad = joinMember(registers(1), { memberId: '' }, T0);
    assert.ok(!bad.outcome.ok);
    assert.equal(bad.outcome.field, 'memberId');
    const badFeatures = joinMember(registers(1), { memberId: 'r', features: [1.5] }, T0);
    assert.ok(!badFeatures.outcome.ok);
    assert.equal(badFeatures.outcome.field, 'features');
    const kind = joinMember(manager(1), { memberId: 'r' }, T0);
    assert.ok(!kind.outcome.ok);
    assert.equal(kind.outcome.code, 'MODULE_KIND_MISMATCH');
    const rm = removeMember(manager(1), 'r', T0);
    assert.ok(!rm.outcome.ok);
    assert.equal(rm.outcome.code, 'MODULE_KIND_MISMATCH');
  });

  test('new members continue the sequence after removals', () => {
    const pool = registers(null);
    joinAll(pool, ['a', 'b']);
    removeMember(pool, 'b', T0 + MIN);
    const d = joinMember(pool, { memberId: 'c' }, T0 + 2 * MIN);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.member.seq, 2);
    assert.equal(d.outcome.value.quantity, null);
    assert.equal(d.outcome.value.member.state, 'active');
  });

  describe('feature profiles', () => {
    const DISCOUNTS = 2101;
    const VIDEO = 2105;
    const licensed = (quantity: number | null) => {
      const pool = registers(quantity);
      setPoolQuantity(pool, quantity, T0, new Set([DISCOUNTS]));
      return pool;
    };

    test('a profile enabling an unlicensed add-on is blocked with the missing modules and takes no seat', () => {
      const pool = licensed(1);
      const video = joinMember(pool, { memberId: 'video', features: [DISCOUNTS, VIDEO] }, T0);
      assert.ok(video.outcome.ok);
      assert.equal(video.outcome.value.member.state, 'blocked');
      assert.equal(video.outcome.value.member.blockedReason, 'features_unlicensed');
      assert.deepEqual(video.outcome.value.member.missingFeatures, [VIDEO]);
      assert.deepEqual(
        video.events.map((e) => [e.type, e.data]),
        [
          ['member.joined', { seq: 1 }],
          ['member.blocked', { reason: 'features_unlicensed', modules: [VIDEO], position: 1, quantity: 1 }],
        ],
      );
      // The seat it does not take goes to the clean register that connects after it.
      const clean = joinMember(pool, { memberId: 'clean', features: [DISCOUNTS] }, T0 + SEC);
      assert.ok(clean.outcome.ok);
      assert.equal(clean.outcome.value.member.state, 'active');
      assert.equal(clean.outcome.value.position, 2);
      const late = joinMember(pool, { memberId: 'late' }, T0 + 2 * SEC);
      assert.ok(late.outcome.ok);
      assert.equal(late.outcome.value.member.blockedReason, 'beyond_quantity');
      assert.deepEqual(states(pool), { video: 'blocked', clean: 'active', late: 'blocked' });
    });

    test('once its profile is fixed it rejoins in its original connection order: the latest connected are blocked', () => {
      const pool = licensed(1);
      joinMember(pool, { memberId: 'video', features: [VIDEO] }, T0);
      joinMember(pool, { memberId: 'clean' }, T0 + SEC);
      const fixed = joinMember(pool, { memberId: 'video', features: [] }, T0 + MIN);
      assert.ok(fixed.outcome.ok);
      assert.equal(fixed.outcome.value.member.state, 'active');
      assert.deepEqual(fixed.outcome.value.member.missingFeatures, []);
      assert.deepEqual(
        fixed.events.map((e) => [e.type, e.subject, e.data]),
        [
          ['member.unblocked', 'video', { reason: 'features_unlicensed', modules: [VIDEO], position: 1, quantity: 1 }],
          ['member.blocked', 'clean', { reason: 'beyond_quantity', modules: [], position: 2, quantity: 1 }],
        ],
      );
      assert.deepEqual(states(pool), { video: 'active', clean: 'blocked' });
    });

    test('a license granting the add-on unblocks the member; one withdrawing it blocks the member again', () => {
      const pool = licensed(null);
      joinMember(pool, { memberId: 'video', features: [VIDEO] }, T0);
      const grant = setPoolQuantity(pool, null, T0 + MIN, new Set([DISCOUNTS, VIDEO]));
      assert.deepEqual(
        grant.events.map((e) => [e.type, e.subject, e.data?.reason]),
        [['member.unblocked', 'video', 'features_unlicensed']],
      );
      const withdraw = setPoolQuantity(pool, null, T0 + 2 * MIN, new Set());
      assert.deepEqual(
        withdraw.events.map((e) => [e.type, e.data]),
        [['member.blocked', { reason: 'features_unlicensed', modules: [VIDEO], position: 1, quantity: null }]],
      );
      // Nothing changes when the same terms are applied again.
      assert.deepEqual(setPoolQuantity(pool, null, T0 + 3 * MIN, new Set()), { changes: [], events: [] });
    });

    test('a member blocked beyond the quantity whose profile turns unlicensed is announced again with the new reason', () => {
      const pool = licensed(1);
      joinMember(pool, { memberId: 'a' }, T0);
      joinMember(pool, { memberId: 'b' }, T0 + SEC);
      const d = joinMember(pool, { memberId: 'b', features: [VIDEO] }, T0 + MIN);
      assert.deepEqual(
        d.events.map((e) => [e.type, e.data?.reason]),
        [['member.blocked', 'features_unlicensed']],
      );
      assert.deepEqual(d.changes.length, 1);
    });
  });
});
