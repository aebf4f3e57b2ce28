import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acquireLease,
  type Change,
  createPool,
  type Decision,
  detachSession,
  expireLeases,
  forceReleaseLease,
  heartbeatLease,
  type Lease,
  type ModuleDefinition,
  type PoolState,
  releaseLease,
} from '@licensor/core';
import fc from 'fast-check';
import { moduleOf, T0 } from './admission-fixtures.js';

type Cmd =
  | { op: 'acquire'; holder: number; session: number }
  | { op: 'release'; holder: number }
  | { op: 'force'; holder: number }
  | { op: 'heartbeat'; holder: number; active: boolean }
  | { op: 'expire' }
  | { op: 'detach'; session: number; graceMs: number };

const holder = fc.integer({ min: 0, max: 7 });
const session = fc.integer({ min: 0, max: 2 });
const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('acquire' as const), holder, session }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), holder }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('force' as const), holder }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('heartbeat' as const), holder, active: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('detach' as const), session, graceMs: fc.integer({ min: 0, max: 30_000 }) }),
  },
);
const step = fc.tuple(cmd, fc.integer({ min: 0, max: 40_000 }));

function run(pool: PoolState, c: Cmd, now: number, n: number): Decision<unknown> {
  const h = `h${'holder' in c ? c.holder : 0}`;
  switch (c.op) {
    case 'acquire':
      return acquireLease(pool, { holderId: h, newLeaseId: `lse_${n}`, sessionId: `s${c.session}` }, now);
    case 'release':
      return releaseLease(pool, { holderId: h }, now);
    case 'force':
      return forceReleaseLease(pool, h, 'admin', now);
    case 'heartbeat':
      return heartbeatLease(pool, { holderId: h, active: c.active }, now);
    case 'expire':
      return expireLeases(pool, now);
    case 'detach':
      return detachSession(pool, `s${c.session}`, c.graceMs, now);
  }
}

function replay(changes: Change[]): Map<string, Lease> {
  const leases = new Map<string, Lease>();
  for (const c of changes) {
    if (c.kind === 'lease.put') leases.set(c.lease.holderId, { ...c.lease });
    else if (c.kind === 'lease.delete') leases.delete(c.holderId);
    else assert.fail(`unexpected change ${c.kind} in a lease pool`);
  }
  return leases;
}

const definitions: ModuleDefinition[] = [
  moduleOf(1, 'Reject', { strategy: 'REJECT_NEW' }, { heartbeatTtlSeconds: 60 }),
  moduleOf(2, 'Evict', { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 45 }, { heartbeatTtlSeconds: 60 }),
];

test('random acquire/release/heartbeat/expire sequences: never over quantity, changes replay to the pool', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...definitions),
      fc.integer({ min: 0, max: 5 }),
      fc.array(step, { maxLength: 120 }),
      (def, quantity, steps) => {
        const pool = createPool(def, quantity);
        const log: Change[] = [];
        let now = T0;
        steps.forEach(([c, dt], n) => {
          now += dt;
          const d = run(pool, c, now, n);
          log.push(...d.changes);
          assert.ok(pool.leases.size <= quantity, `${pool.leases.size} leases in a pool of ${quantity}`);
          let live = 0;
          for (const l of pool.leases.values()) if (l.expiresAt > now) live++;
          assert.ok(live <= quantity);
          // A refusal may still have reaped expired leases, but never grants or refreshes one.
          if (!d.outcome.ok) assert.ok(d.changes.every((ch) => ch.kind === 'lease.delete'));
          assert.deepEqual(replay(log), new Map(pool.leases));
        });
      },
    ),
    { numRuns: 300 },
  );
});
