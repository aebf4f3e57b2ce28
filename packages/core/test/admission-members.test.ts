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
      member: { moduleId: 4002, memberId: 'reg-1', seq: 1, firstConnectedAt: T0, lastSeenAt: T0, state: 'active', features: [] },
      position: 1,
      quantity: 2,
    });
    assert.equal(r3.outcome.value.member.state, 'blocked');
    assert.equal(r3.outcome.value.position, 3);
    assert.deepEqual(
      r3.events.map((e) => [e.type, e.subject, e.data]),
      [
        ['member.joined', 'reg-3', { seq: 3 }],
        ['member.blocked', 'reg-3', { position: 3, quantity: 2 }],
      ],
    );
    // One put for the new member, carrying its final state.
    assert.deepEqual(r3.changes, [{ kind: 'member.put', member: r3.outcome.value.member }]);
  });

  test('re-sync updates lastSeenAt and features but keeps the place in line', () => {
    const pool = registers(1);
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
    assert.deepEqual(d.events[1]?.data, { position: 2, quantity: 2 });
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
        ['member.unblocked', 'r2', { position: 2, quantity: 3 }],
        ['member.unblocked', 'r3', { position: 3, quantity: 3 }],
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
        ['member.removed', 'r1'],
        ['member.unblocked', 'r2'],
      ],
    );
    assert.deepEqual(d.events[0]?.data, { reason: 'inactive', state: 'active' });
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
});
