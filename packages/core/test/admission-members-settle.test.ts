// A member's join settles only that member when nothing else can move (a re-sync with the same profile, a newcomer
// joining last), instead of sorting the whole pool: 10,000 sites syncing every 30 s. After any sequence of joins,
// profile changes, removals and quantity changes, the pool must be as a full recompute leaves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinMember, type PoolState, recomputeMembers, removeMember, setPoolQuantity } from '@licensor/core';
import { registers, SEC, T0 } from './admission-fixtures.js';

function random(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const ordered = (pool: PoolState) =>
  [...pool.members.values()].sort((a, b) => a.firstConnectedAt - b.firstConnectedAt || a.seq - b.seq);

for (const seed of [1, 2, 3, 4, 5]) {
  test(`joins settle the pool as a full recompute would (seed ${seed})`, () => {
    const rnd = random(seed);
    const pool = registers(3);
    pool.licensedFeatures = new Set([7001]);
    let now = T0;
    for (let step = 0; step < 400; step++) {
      const op = rnd(10);
      const id = `reg-${rnd(12)}`;
      // The clock sometimes steps back, so a newcomer can land before members already in line.
      now += rnd(10) === 0 ? -5 * SEC : rnd(3) * SEC;
      if (op < 7) {
        const features = rnd(3) === 0 ? [[], [7001], [7002]][rnd(3)] : undefined;
        const d = joinMember(pool, { memberId: id, ...(features ? { features } : {}) }, now);
        assert.ok(d.outcome.ok);
        assert.equal(d.outcome.value.position, ordered(pool).findIndex((m) => m.memberId === id) + 1, `step ${step}`);
      } else if (op < 9) removeMember(pool, id, now);
      else setPoolQuantity(pool, rnd(5), now, pool.licensedFeatures);
      assert.deepEqual(recomputeMembers(pool, now).changes, [], `step ${step}: the pool was left unsettled`);
    }
  });
}
