// bench/http-slots: acquire+release over plain HTTP with 64 concurrent connections, against a bare Fastify route
// in the same run. Rounds alternate (bare, node, bare, node, …) so machine noise hits both alike.
import { median, spawnBareFastify, spawnBenchNode } from '../support/bench-node.js';
import { type CpuCost, CpuMeter, cpuColumns } from '../support/cpu-meter.js';
import { httpSlotLoad, type Round } from '../support/http-load.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const node = await spawnBenchNode([{ moduleId: 10003, quantity: 1000 }]);
const bare = await spawnBareFastify();
const results: { bare: (Round & CpuCost)[]; node: (Round & CpuCost)[] } = { bare: [], node: [] };
const meter = new CpuMeter();
const nodePid = node.process.pid as number;
try {
  await httpSlotLoad(node.url, node.token, CONNECTIONS, 2); // warm-up: JIT, SQLite pages
  for (let i = 0; i < ROUNDS; i++) {
    results.bare.push(await meter.measure([bare.pid], () => httpSlotLoad(bare.url, node.token, CONNECTIONS, SECONDS)));
    results.node.push(
      await meter.measure([nodePid], () => httpSlotLoad(node.url, node.token, CONNECTIONS, SECONDS), 2),
    );
    const b = results.bare.at(-1) as Round;
    const n = results.node.at(-1) as Round;
    console.log(
      `round ${i + 1}: bare ${b.rate.toFixed(0)} req/s p99 ${b.p99} ms | node ${n.rate.toFixed(0)} req/s p99 ${n.p99} ms (errors ${n.errors})`,
    );
  }
} finally {
  await node.stop();
  await bare.stop();
}
const m = (rs: Round[], k: keyof Round) => median(rs.map((r) => r[k]));
const ratio = m(results.node, 'rate') / m(results.bare, 'rate');
console.log(`\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections:`);
console.log(
  `  bare Fastify route        ${m(results.bare, 'rate').toFixed(0)} req/s  p50 ${m(results.bare, 'p50')} ms  p99 ${m(results.bare, 'p99')} ms  ${cpuColumns(results.bare, 'requests')}`,
);
console.log(
  `  licensor acquire/release  ${m(results.node, 'rate').toFixed(0)} req/s (${(m(results.node, 'rate') / 2).toFixed(0)} cycles/s)  p50 ${m(results.node, 'p50')} ms  p99 ${m(results.node, 'p99')} ms  ${cpuColumns(results.node)}`,
);
console.log(`  ratio node / bare: ${(ratio * 100).toFixed(0)} % (target ≥ 70 %)`);
