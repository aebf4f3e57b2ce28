// bench/slots: acquire+release cycles in one run, four ways, rounds alternating so noise hits all alike:
//  (a) the SDK over its persistent WebSocket session, 64 clients;  (b) the same through plain HTTP requests;
//  (c) a bare Fastify route returning a constant (the HTTP ceiling);  (d) Redis + redis-semaphore, pool of 50, over one
//  shared connection and over a connection per worker.
import { execFileSync } from 'node:child_process';
import { LicensingClient } from '@licensor/sdk';
import { Redis } from 'ioredis';
import { Semaphore } from 'redis-semaphore';
import { median, spawnBareFastify, spawnBenchNode } from '../support/bench-node.js';
import { type CpuCost, CpuMeter, cpuColumns } from '../support/cpu-meter.js';
import { httpSlotLoad, type Round } from '../support/http-load.js';
import { workerLoops } from '../support/worker-loops.js';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MODULE = 10003;
/** BENCH_ONLY=sdk,redis runs a subset (for profiling); the published figures come from a full run. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'sdk,sdk1,http,bare,redis,redis64').split(','));

/** Runs `worker` in concurrent loops for SECONDS (see workerLoops). */
const loops = (worker: (i: number) => Promise<void>) => workerLoops(CLIENTS, SECONDS, worker);

const node = await spawnBenchNode([{ moduleId: MODULE, quantity: 1000 }]);
const bare = await spawnBareFastify();
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 });
let redisOk = true;
try {
  await redis.connect();
  await redis.del('semaphore:bench-slots', 'semaphore:bench-slots-64');
} catch {
  redisOk = false;
  console.log('Redis is not reachable at 127.0.0.1:6379: peer (d) skipped');
}
// Two SDK shapes: one session per worker (64 sockets), and one shared session for all workers — the shape of the
// Redis peer, whose ioredis client multiplexes every worker over one connection.
const clients = Array.from({ length: CLIENTS }, () => new LicensingClient({ url: node.url, token: node.token }));
const shared = new LicensingClient({ url: node.url, token: node.token });
const semaphoreOptions = { acquireTimeout: 10_000, retryInterval: 1, refreshInterval: 0 };
const semaphores = Array.from({ length: CLIENTS }, () => new Semaphore(redis, 'bench-slots', 50, semaphoreOptions));
// The peer of the 64-sessions shape: every worker with its own Redis connection, as every SDK client has its own socket.
const ownConnections =
  redisOk && ONLY.has('redis64')
    ? Array.from({ length: CLIENTS }, () => new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 }))
    : [];
const ownSemaphores = ownConnections.map((c) => new Semaphore(c, 'bench-slots-64', 50, semaphoreOptions));

// Server CPU is measured for the Licensor node, the bare route's process and, when it runs here, redis-server; the
// load generator's (this process) for every shape, since on 2 cores it takes its share of them.
const meter = new CpuMeter();
const redisPid = (() => {
  try {
    return Number(execFileSync('pidof', ['redis-server'], { encoding: 'utf8' }).trim().split(' ')[0]) || null;
  } catch {
    return null;
  }
})();
const onRedis = (run: () => Promise<Round>) => meter.measure(redisPid ? [redisPid] : [], run);
const onNode = (run: () => Promise<Round>, unitsPerCycle = 1) =>
  meter.measure([node.process.pid as number], run, unitsPerCycle);
const rounds: Record<'sdk' | 'sdk1' | 'http' | 'bare' | 'redis' | 'redis64', (Round & Partial<CpuCost>)[]> = {
  sdk: [],
  sdk1: [],
  http: [],
  bare: [],
  redis: [],
  redis64: [],
};
const sdkCycle = async (i: number) => {
  const lease = await (clients[i] as LicensingClient).acquireSlot(MODULE, `sdk-dev-${i}`);
  await lease.release();
};
const sharedCycle = async (i: number) => {
  const lease = await shared.acquireSlot(MODULE, `shared-dev-${i}`);
  await lease.release();
};
const redisCycle = async (i: number) => {
  const s = semaphores[i] as Semaphore;
  await s.acquire();
  await s.release();
};
const redis64Cycle = async (i: number) => {
  const s = ownSemaphores[i] as Semaphore;
  await s.acquire();
  await s.release();
};
try {
  if (ONLY.has('sdk')) await loops(sdkCycle); // warm-up: sessions open, JIT
  if (ONLY.has('sdk1')) await loops(sharedCycle);
  for (let r = 0; r < ROUNDS; r++) {
    if (ONLY.has('sdk')) rounds.sdk.push(await onNode(() => loops(sdkCycle)));
    if (ONLY.has('sdk1')) rounds.sdk1.push(await onNode(() => loops(sharedCycle)));
    if (ONLY.has('http')) {
      const h = await onNode(() => httpSlotLoad(node.url, node.token, CLIENTS, SECONDS, MODULE), 2);
      rounds.http.push({ ...h, rate: h.rate / 2 }); // two requests per cycle
    }
    if (ONLY.has('bare'))
      rounds.bare.push(
        await meter.measure([bare.pid], () => httpSlotLoad(bare.url, node.token, CLIENTS, SECONDS, MODULE)),
      );
    if (redisOk && ONLY.has('redis')) rounds.redis.push(await onRedis(() => loops(redisCycle)));
    if (ownSemaphores.length) rounds.redis64.push(await onRedis(() => loops(redis64Cycle)));
    const last = (k: keyof typeof rounds) => rounds[k].at(-1);
    console.log(
      `round ${r + 1}: sdk ${last('sdk')?.rate.toFixed(0)} cycles/s p99 ${last('sdk')?.p99.toFixed(1)} ms | sdk shared ${last('sdk1')?.rate.toFixed(0)} cycles/s p99 ${last('sdk1')?.p99.toFixed(1)} ms | http ${last('http')?.rate.toFixed(0)} cycles/s | bare ${last('bare')?.rate.toFixed(0)} req/s | redis ${last('redis')?.rate.toFixed(0) ?? '-'} cycles/s p99 ${last('redis')?.p99.toFixed(1) ?? '-'} ms | redis, 64 connections ${last('redis64')?.rate.toFixed(0) ?? '-'} cycles/s p99 ${last('redis64')?.p99.toFixed(1) ?? '-'} ms`,
    );
  }
} finally {
  await Promise.all([...clients, shared].map((c) => c.close()));
  redis.disconnect();
  for (const c of ownConnections) c.disconnect();
  await node.stop();
  await bare.stop();
}
if (Object.values(rounds).some((rs) => rs.some((r) => r.errors > 0)))
  console.log(`\nerrors occurred; the node's last output:\n${node.output().slice(-4000)}`);
const m = (k: keyof typeof rounds, f: keyof Round) => median(rounds[k].map((x) => x[f]));
const line = (label: string, k: keyof typeof rounds, unit: string) =>
  rounds[k].length
    ? `  ${label.padEnd(34)} ${m(k, 'rate').toFixed(0).padStart(6)} ${unit}  p50 ${m(k, 'p50').toFixed(1)} ms  p99 ${m(k, 'p99').toFixed(1)} ms  errors ${m(k, 'errors')}${rounds[k][0]?.nodeCpu === undefined ? '' : `  ${cpuColumns(rounds[k], k === 'bare' ? 'requests' : 'cycles', k.startsWith('redis') ? (redisPid ? 'redis-server' : 'redis-server (not found here)') : 'node')}`}`
    : `  ${label}: skipped`;
console.log(
  `\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CLIENTS} concurrent clients (latency per cycle; http/bare per request):`,
);
console.log(line('(a) SDK, 64 sessions', 'sdk', 'cycles/s'));
console.log(line('(a) SDK, 1 shared session', 'sdk1', 'cycles/s'));
console.log(line('(b) HTTP acquire+release', 'http', 'cycles/s'));
console.log(line('(c) bare Fastify route', 'bare', 'req/s   '));
console.log(line('(d) redis-semaphore, pool of 50', 'redis', 'cycles/s'));
console.log(line('(d) redis-semaphore, 64 connections', 'redis64', 'cycles/s'));
if (rounds.redis.length && rounds.sdk1.length)
  console.log(
    `  ratio (a, shared session)/(d, one connection): ${((m('sdk1', 'rate') / m('redis', 'rate')) * 100).toFixed(0)} % (target ≥ 100 %, p99 < 10 ms)`,
  );
if (rounds.redis64.length && rounds.sdk.length)
  console.log(
    `  ratio (a, 64 sessions)/(d, 64 connections): ${((m('sdk', 'rate') / m('redis64', 'rate')) * 100).toFixed(0)} %`,
  );
if (rounds.redis.length && rounds.sdk.length)
  console.log(
    `  ratio (a, 64 sessions)/(d, one connection): ${((m('sdk', 'rate') / m('redis', 'rate')) * 100).toFixed(0)} %`,
  );
if (rounds.http.length && rounds.bare.length)
  console.log(
    `  ratio (b) requests/(c): ${(((m('http', 'rate') * 2) / m('bare', 'rate')) * 100).toFixed(0)} % (target ≥ 70 %)`,
  );
