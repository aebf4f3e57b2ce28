import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expireMembers, joinMember, type PoolState, removeMember, setPoolQuantity } from '@licensor/core';
import { MIN, registers, SEC, T0 } from './admission-fixtures.js';

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the tally should say, counted from the members. */
function freshCount(pool: PoolState) {
  let seq = 0;
  let latest = Number.NEGATIVE_INFINITY;
  let seats = 0;
  for (const m of pool.members.values()) {
    seq = Math.max(seq, m.seq);
    latest = Math.max(latest, m.firstConnectedAt);
    if (m.state === 'active') seats++;
  }
  return { seq, latest, seats };
}

const FEATURE = 2101;

for (const seed of [1, 2, 3, 4, 5]) {
  test(`a join keeps a member tally equal to a fresh count, and decides as a pool counted afresh does (seed ${seed})`, () => {
    const random = rng(seed);
    // `kept` keeps its tally across operations; `fresh` has it dropped before each, so every join counts anew.
    const kept = registers(5, 600);
    const fresh = registers(5, 600);
    let now = T0;
    for (let step = 0; step < 2000; step++) {
      // The clock mostly moves on, sometimes goes back (a join is then not last in admission order).
      now += random() < 0.05 ? -Math.floor(random() * 10) * SEC : Math.floor(random() * 5) * SEC;
      const id = `reg-${Math.floor(random() * 40)}`;
      // Every draw is made before either pool runs, so both get the same operation.
      const r = random();
      const features = random() < 0.1 ? [FEATURE] : random() < 0.5 ? [] : undefined;
      const quantity = Math.floor(random() * 8);
      const licensed = random() < 0.5 ? new Set([FEATURE]) : new Set<number>();
      const later = random() < 0.2 ? 20 * MIN : 0;
      const run = (pool: PoolState) => {
        if (r < 0.55)
          return joinMember(pool, features === undefined ? { memberId: id } : { memberId: id, features }, now);
        if (r < 0.75) return removeMember(pool, id, now);
        if (r < 0.85) return setPoolQuantity(pool, quantity, now, licensed);
        return expireMembers(pool, now + later);
      };
      fresh.memberTally = undefined;
      const a = run(kept);
      const b = run(fresh);
      assert.deepEqual(a, b, `step ${step}: the decisions differ`);
      if (kept.memberTally) assert.deepEqual({ ...kept.memberTally }, freshCount(kept), `step ${step}: tally drifted`);
    }
    assert.ok(kept.members.size > 0);
  });
}
