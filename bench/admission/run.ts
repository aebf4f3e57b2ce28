// bench/admission: acquire + release in a pool that already holds many live leases, with the pool's expiry floor
// (acquire skips the walk over leases while none can have expired) against the walk forced on every acquire (what
// acquire did before the floor), in alternating rounds of one run. Pure core, no I/O: CPU per operation.
import { acquireLease, createPool, type ModuleDefinition, releaseLease } from '@licensor/core';

const LIVE = Number(process.env.BENCH_LIVE ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 20_000);
const module: ModuleDefinition = {
  id: 2001,
  name: 'Mobile waiter',
  kind: 'application',
  policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 3600 },
  heartbeatTtlSeconds: 60,
  developer: 'bench',
};

/** Cycles per second of acquire+release by 64 rotating holders in a pool holding LIVE other leases. */
function round(forceWalk: boolean): number {
  const pool = createPool(module, null);
  let now = Date.parse('2026-03-01T09:00:00Z');
  for (let i = 0; i < LIVE; i++)
    acquireLease(pool, { holderId: `held-${i}`, newLeaseId: `lse_h${i}`, sessionId: null }, now);
  const t0 = performance.now();
  for (let i = 0; i < CYCLES; i++) {
    now += 0.01;
    if (forceWalk) pool.expiryFloor = Number.NEGATIVE_INFINITY;
    const holderId = `dev-${i % 64}`;
    acquireLease(pool, { holderId, newLeaseId: `lse_${i}`, sessionId: null }, now);
    releaseLease(pool, { holderId }, now);
  }
  return CYCLES / ((performance.now() - t0) / 1000);
}

const floor: number[] = [];
const walk: number[] = [];
round(false); // warm-up
round(true);
for (let r = 0; r < ROUNDS; r++) {
  floor.push(round(false));
  walk.push(round(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`pool with ${LIVE} live leases, ${CYCLES} acquire+release cycles per round, medians of ${ROUNDS} rounds:`);
console.log(`  expiry floor        ${median(floor).toFixed(0).padStart(9)} cycles/s`);
console.log(`  walk every acquire  ${median(walk).toFixed(0).padStart(9)} cycles/s`);
console.log(`  ratio               ${(median(floor) / median(walk)).toFixed(1)}×`);
