// bench/admission: acquire + release in a pool that already holds many live leases, with the pool's expiry floor
// (acquire skips the walk over leases while none can have expired) against the walk forced on every acquire (what
// acquire did before the floor), in alternating rounds of one run. Pure core, no I/O: CPU per operation.
import { acquireLease, createPool, type ModuleDefinition, releaseLease } from '@licensor/core';
import { ownCpuSeconds } from '../support/cpu-meter.js';

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

/** Cycles per second, and CPU-seconds per 1,000 cycles, of acquire+release by 64 rotating holders in a pool holding LIVE other leases. */
function round(forceWalk: boolean): { rate: number; cpu: number } {
  const pool = createPool(module, null);
  let now = Date.parse('2026-03-01T09:00:00Z');
  for (let i = 0; i < LIVE; i++)
    acquireLease(pool, { holderId: `held-${i}`, newLeaseId: `lse_h${i}`, sessionId: null }, now);
  const t0 = performance.now();
  const cpu0 = ownCpuSeconds();
  for (let i = 0; i < CYCLES; i++) {
    now += 0.01;
    if (forceWalk) pool.expiryFloor = Number.NEGATIVE_INFINITY;
    const holderId = `dev-${i % 64}`;
    acquireLease(pool, { holderId, newLeaseId: `lse_${i}`, sessionId: null }, now);
    releaseLease(pool, { holderId }, now);
  }
  const cpu = ownCpuSeconds() - cpu0;
  return { rate: CYCLES / ((performance.now() - t0) / 1000), cpu: (1000 * cpu) / CYCLES };
}

const floor: { rate: number; cpu: number }[] = [];
const walk: { rate: number; cpu: number }[] = [];
round(false); // warm-up
round(true);
for (let r = 0; r < ROUNDS; r++) {
  floor.push(round(false));
  walk.push(round(true));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rate = (rs: { rate: number }[]) => median(rs.map((r) => r.rate));
const cpu = (rs: { cpu: number }[]) => `${median(rs.map((r) => r.cpu)).toFixed(4)} CPU-s / 1,000 cycles (process)`;
console.log(`pool with ${LIVE} live leases, ${CYCLES} acquire+release cycles per round, medians of ${ROUNDS} rounds:`);
console.log(`  expiry floor        ${rate(floor).toFixed(0).padStart(9)} cycles/s  ${cpu(floor)}`);
console.log(`  walk every acquire  ${rate(walk).toFixed(0).padStart(9)} cycles/s  ${cpu(walk)}`);
console.log(`  ratio               ${(rate(floor) / rate(walk)).toFixed(1)}×`);
