// bench/slots-postgres: acquire + release cycles on PostgreSQL with one and with two Licensor processes on the same
// database, and on the embedded SQLite node, in one run (rounds alternate so machine noise hits all alike).
//   sqlite    one node on its SQLite file (the default deployment)
//   pg×1      one node on PostgreSQL
//   pg×2 same two nodes on one PostgreSQL database, both serving the same pool (its lock serializes them)
//   pg×2 split two nodes on one database, each serving its own pool (sites spread over processes)
// Each shape is driven over plain HTTP (autocannon, 64 connections in all) and over the SDK (one shared session per
// node, 64 workers in all). Needs PostgreSQL at LICENSOR_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
import { LicensingClient } from '@licensor/sdk';
import pg from 'pg';
import { createTestIssuer } from '../../test/support/spawn-node.js';
import { type BenchNode, median, spawnBenchNode } from '../support/bench-node.js';
import { type CpuCost, CpuMeter, cpuColumns } from '../support/cpu-meter.js';
import { httpSlotLoad, type Round } from '../support/http-load.js';
import { workerLoops } from '../support/worker-loops.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BASE_URL = process.env.LICENSOR_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const POOL_A = 10003;
const POOL_B = 10001;
const SHAPES = ['sqlite', 'pg1', 'pg2same', 'pg2split'] as const;
type Shape = (typeof SHAPES)[number];
/** BENCH_ONLY=http or sdk runs one transport (profiling); the published figures come from a full run. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'http,sdk').split(','));

const schema = `licensor_bench_${process.pid}`;
const url = new URL(BASE_URL);
url.searchParams.set('schema', schema);
const entitlements = [
  { moduleId: POOL_A, quantity: 1000 },
  { moduleId: POOL_B, quantity: 1000 },
];

/** Runs `worker` in concurrent loops for SECONDS (see workerLoops). */
const loops = (n: number, worker: (i: number) => Promise<void>) => workerLoops(n, SECONDS, worker);

/** Two loads at once: rates add up; the slower side's percentiles stand for the pair. */
function pair(a: Round, b: Round): Round {
  return {
    rate: a.rate + b.rate,
    p50: Math.max(a.p50, b.p50),
    p99: Math.max(a.p99, b.p99),
    errors: a.errors + b.errors,
  };
}

const vendor = createTestIssuer();
// The per-token rate limit (10,000 requests/s by default) would cap the SQLite node's HTTP rounds: this run measures
// throughput, so every node runs without it.
const unlimited = ['--rate-limit-per-second', '0'];
const sqlite = await spawnBenchNode(entitlements, unlimited);
const pgA = await spawnBenchNode(entitlements, ['--store', url.toString(), ...unlimited], vendor);
const pgB = await spawnBenchNode(entitlements, ['--store', url.toString(), ...unlimited], vendor);
const sdk = new Map<BenchNode, LicensingClient>(
  [sqlite, pgA, pgB].map((n) => [n, new LicensingClient({ url: n.url, token: n.token })]),
);

/** Where each half of the load goes, per shape: [node, pool] for one or two halves. */
const targets: Record<Shape, [BenchNode, number][]> = {
  sqlite: [[sqlite, POOL_A]],
  pg1: [[pgA, POOL_A]],
  pg2same: [
    [pgA, POOL_A],
    [pgB, POOL_A],
  ],
  pg2split: [
    [pgA, POOL_A],
    [pgB, POOL_B],
  ],
};

// Node CPU: the shape's Licensor processes; PostgreSQL CPU: the backends serving their connections.
const meters = { sqlite: new CpuMeter(), postgres: new CpuMeter(BASE_URL) };
/** Runs a shape's round, measuring the CPU of its node processes and of PostgreSQL where it uses it. */
function measured(shape: Shape, run: () => Promise<Round>, unitsPerCycle = 1): Promise<Round & CpuCost> {
  const pids = [...new Set(targets[shape].map(([n]) => n.process.pid as number))];
  return (shape === 'sqlite' ? meters.sqlite : meters.postgres).measure(pids, run, unitsPerCycle);
}

async function httpRound(shape: Shape): Promise<Round> {
  const t = targets[shape];
  const rounds = await Promise.all(
    t.map(([n, pool], i) => httpSlotLoad(n.url, n.token, CLIENTS / t.length, SECONDS, pool, `${shape}-${i}`)),
  );
  const r = rounds.length === 2 ? pair(rounds[0] as Round, rounds[1] as Round) : (rounds[0] as Round);
  return { ...r, rate: r.rate / 2 }; // two requests per cycle
}

async function sdkRound(shape: Shape): Promise<Round> {
  const t = targets[shape];
  const rounds = await Promise.all(
    t.map(([n, pool], half) =>
      loops(CLIENTS / t.length, async (i) => {
        const lease = await (sdk.get(n) as LicensingClient).acquireSlot(pool, `${shape}-${half}-${i}`);
        await lease.release();
      }),
    ),
  );
  return rounds.length === 2 ? pair(rounds[0] as Round, rounds[1] as Round) : (rounds[0] as Round);
}

const results: Record<'http' | 'sdk', Record<Shape, (Round & CpuCost)[]>> = {
  http: { sqlite: [], pg1: [], pg2same: [], pg2split: [] },
  sdk: { sqlite: [], pg1: [], pg2same: [], pg2split: [] },
};
try {
  for (const s of SHAPES) if (ONLY.has('sdk')) await sdkRound(s); // warm-up: sessions open, JIT, connections
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of SHAPES) {
      if (ONLY.has('http')) {
        // httpRound's rate is already in cycles (two requests each).
        results.http[s].push(await measured(s, () => httpRound(s)));
      }
      if (ONLY.has('sdk')) results.sdk[s].push(await measured(s, () => sdkRound(s)));
    }
    const fmt = (k: 'http' | 'sdk') =>
      SHAPES.map((s) => `${s} ${results[k][s].at(-1)?.rate.toFixed(0) ?? '-'}`).join(' | ');
    console.log(`round ${r + 1}: http cycles/s ${fmt('http')}\n         sdk  cycles/s ${fmt('sdk')}`);
  }
} finally {
  await Promise.all([...sdk.values()].map((c) => c.close()));
  await Promise.all([sqlite, pgA, pgB].map((n) => n.stop()));
  const c = new pg.Client({ connectionString: BASE_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
}

const LABELS: Record<Shape, string> = {
  sqlite: 'SQLite, 1 process',
  pg1: 'PostgreSQL, 1 process',
  pg2same: 'PostgreSQL, 2 processes, same pool',
  pg2split: 'PostgreSQL, 2 processes, a pool each',
};
console.log(
  `\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CLIENTS} concurrent clients in all (latency per cycle for the SDK, per request for HTTP):`,
);
for (const k of ['http', 'sdk'] as const) {
  if (!ONLY.has(k)) continue;
  const m = (s: Shape, f: keyof Round) => median(results[k][s].map((x) => x[f]));
  console.log(k === 'http' ? '  HTTP acquire + release' : '  SDK, one shared session per process');
  for (const s of SHAPES) {
    const reqs = k === 'http' ? ` (${(m(s, 'rate') * 2).toFixed(0)} req/s)` : '';
    console.log(
      `    ${LABELS[s].padEnd(38)} ${m(s, 'rate').toFixed(0).padStart(6)} cycles/s${reqs}  p50 ${m(s, 'p50').toFixed(1)} ms  p99 ${m(s, 'p99').toFixed(1)} ms  errors ${m(s, 'errors')}  ${cpuColumns(results[k][s])}`,
    );
  }
  console.log(
    `    scaling ratio, 2 processes / 1 (same pool): ${(m('pg2same', 'rate') / m('pg1', 'rate')).toFixed(2)}   (a pool each): ${(m('pg2split', 'rate') / m('pg1', 'rate')).toFixed(2)}   PostgreSQL×1 / SQLite: ${(m('pg1', 'rate') / m('sqlite', 'rate')).toFixed(2)}`,
  );
}
