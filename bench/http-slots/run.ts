// bench/http-slots: acquire+release over plain HTTP with 64 concurrent connections, against a bare Fastify route
// in the same run. Rounds alternate (bare, node, bare, node, …) so machine noise hits both alike.
import autocannon from 'autocannon';
import { median, spawnBareFastify, spawnBenchNode } from '../support/bench-node.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Round {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, token: string): Promise<Round> {
  let conn = 0;
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    requests: [
      {
        method: 'POST',
        path: '/v1/modules/10003/leases',
        // Each connection is one device: a holder id of its own, acquired then released, over and over.
        setupRequest: (req: Record<string, unknown>, ctx: Record<string, unknown>) => {
          ctx.holder ??= `dev-${conn++}`;
          return { ...req, body: JSON.stringify({ holderId: ctx.holder }) };
        },
      },
      {
        method: 'DELETE',
        setupRequest: (req: Record<string, unknown>, ctx: Record<string, unknown>) => ({ ...req, path: `/v1/modules/10003/leases/${ctx.holder as string}`, headers: { authorization: `Bearer ${token}` } }),
      },
    ],
  } as autocannon.Options);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

const node = await spawnBenchNode([{ moduleId: 10003, quantity: 1000 }]);
const bare = await spawnBareFastify();
const results: { bare: Round[]; node: Round[] } = { bare: [], node: [] };
try {
  await load(node.url, node.token); // warm-up: JIT, SQLite pages
  for (let i = 0; i < ROUNDS; i++) {
    results.bare.push(await load(bare.url, node.token));
    results.node.push(await load(node.url, node.token));
    const b = results.bare.at(-1) as Round;
    const n = results.node.at(-1) as Round;
    console.log(`round ${i + 1}: bare ${b.rps.toFixed(0)} req/s p99 ${b.p99} ms | node ${n.rps.toFixed(0)} req/s p99 ${n.p99} ms (errors ${n.errors}, non-2xx ${n.non2xx})`);
  }
} finally {
  await node.stop();
  await bare.stop();
}
const m = (rs: Round[], k: keyof Round) => median(rs.map((r) => r[k]));
const ratio = m(results.node, 'rps') / m(results.bare, 'rps');
console.log(`\nmedians over ${ROUNDS} rounds of ${SECONDS}s, ${CONNECTIONS} connections:`);
console.log(`  bare Fastify route     ${m(results.bare, 'rps').toFixed(0)} req/s  p50 ${m(results.bare, 'p50')} ms  p99 ${m(results.bare, 'p99')} ms`);
console.log(`  licensor acquire/release ${m(results.node, 'rps').toFixed(0)} req/s (${(m(results.node, 'rps') / 2).toFixed(0)} cycles/s)  p50 ${m(results.node, 'p50')} ms  p99 ${m(results.node, 'p99')} ms`);
console.log(`  ratio node / bare: ${(ratio * 100).toFixed(0)} % (target ≥ 70 %)`);
