// bench/sync: one central node (the built `licensor serve`, SQLite) with N simulated child nodes, each syncing every
// P seconds with a usage report. Reports, apart, the registration and allocation of the N children (wall time and the
// central's CPU) and the steady state (the central's CPU share, from /proc, and sync latency).
// Targets: 1,000 children every 30 s → < 10 % of one core, p99 < 50 ms; 10,000 children → < 30 %, p99 < 50 ms.
//   npm run bench:sync                       (defaults: 1000 children, every 30 s, 60 s measured)
//   BENCH_CHILDREN=10000 BENCH_PERIOD_S=30 BENCH_SECONDS=60 npm run bench:sync
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'node:http';
import { newId } from '@licensor/protocol';
import { createTestIssuer, freePort, spawnNode, tempDir } from '../../test/support/spawn-node.js';
import { cpuSecondsOf } from '../support/cpu-meter.js';
import { percentile } from '../support/http-load.js';

const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 1000);
const PERIOD_MS = Number(process.env.BENCH_PERIOD_S ?? 30) * 1000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const root = new URL('../..', import.meta.url).pathname;
// Children are separate machines that keep their connection between syncs, as real sites would with keep-alive.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs or PUTs JSON over the keep-alive agent; resolves with the status and the parsed body. */
// biome-ignore lint/suspicious/noExplicitAny: the bench reads a few fields of untyped JSON answers
function send(url: string, token: string, method: string, body: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res
          .setEncoding('utf8')
          .on('data', (c) => {
            text += c;
          })
          .on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const issuer = createTestIssuer();
  const tmp = tempDir('licensor-bench-sync-');
  const admin = `lsr_bench_${Date.now()}`;
  const license = issuer.writeLicense(
    tmp.dir,
    [
      { moduleId: 1003, quantity: CHILDREN },
      { moduleId: 2001, quantity: CHILDREN * 4 },
      { moduleId: 4001, quantity: CHILDREN * 2 },
    ],
    { scope: 'centralized' },
  );
  const node = await spawnNode({
    dataDir: join(tmp.dir, 'central'),
    port: await freePort(),
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken: admin,
    licenseFile: license,
    args: [
      '--sync-interval-ms',
      String(PERIOD_MS),
      '--rate-limit-per-second',
      '0',
      '--max-children-per-token',
      String(CHILDREN),
    ],
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    built: true,
  });
  const pid = node.child.pid as number;
  const cpuSeconds = () => cpuSecondsOf(pid) ?? 0;
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const { status, json } = await send(node.url + path, token, method, body);
    if (status >= 300) throw new Error(`${method} ${path} → ${status} ${JSON.stringify(json)}`);
    return json;
  };
  const nodeToken = (await call(admin, 'POST', '/v1/tokens', { role: 'node', name: 'bench children' }))
    .secret as string;
  const children = Array.from({ length: CHILDREN }, (_, i) => ({
    hardwareKey: newId('hw')
      .slice(3)
      .padEnd(64, '0')
      .replace(/[^0-9a-f]/g, 'c'),
    name: `site ${i + 1}`,
    countedAs: 1003,
    publicKey: 'ed25519:bench',
    allocationSeq: null as number | null,
    licenseState: 'valid',
    usage: [
      { moduleId: 2001, quantity: 4, used: 3, blocked: 0 },
      { moduleId: 4001, quantity: 2, used: 1, blocked: 0 },
      { moduleId: 5001, quantity: 6, used: 4, blocked: 0 },
    ],
    children: [] as unknown[],
  }));
  process.stdout.write(`registering and allocating ${CHILDREN} children…\n`);
  const reg0 = performance.now();
  const regCpu0 = cpuSeconds();
  for (let i = 0; i < CHILDREN; i += 50) {
    await Promise.all(
      children.slice(i, i + 50).map(async (c) => {
        const r = await call(nodeToken, 'POST', '/v1/nodes/sync', c);
        await call(admin, 'PUT', `/v1/nodes/${r.nodeId}/allocation`, { modules: { 2001: 4, 4001: 2 } });
      }),
    );
  }
  const regWall = (performance.now() - reg0) / 1000;
  const regCpu = cpuSeconds() - regCpu0;
  process.stdout.write(
    `registration + allocation: ${CHILDREN} children in ${regWall.toFixed(1)} s, central CPU ${regCpu.toFixed(1)} s (${((100 * regCpu) / regWall).toFixed(0)} % of one core, ${((1000 * regCpu) / CHILDREN).toFixed(2)} CPU-s per 1,000 children)\n`,
  );
  await sleep(2000);
  process.stdout.write(
    `measuring ${SECONDS} s: each child syncs every ${PERIOD_MS / 1000} s (${((CHILDREN * 1000) / PERIOD_MS).toFixed(1)} syncs/s)\n`,
  );
  const latencies: number[] = [];
  let failures = 0;
  const start = Date.now();
  const cpu0 = cpuSeconds();
  const end = start + SECONDS * 1000;
  await Promise.all(
    children.map(async (c, i) => {
      // Spread the children evenly over the period, as real sites drift apart.
      let next = start + (i * PERIOD_MS) / CHILDREN;
      while (next < end) {
        await sleep(Math.max(0, next - Date.now()));
        const t0 = performance.now();
        try {
          const r = await call(nodeToken, 'POST', '/v1/nodes/sync', c);
          if (!r.allocation) failures++;
          latencies.push(performance.now() - t0);
        } catch {
          failures++;
        }
        next += PERIOD_MS;
      }
    }),
  );
  const wall = (Date.now() - start) / 1000;
  const cpu = cpuSeconds() - cpu0;
  latencies.sort((a, b) => a - b);
  const share = (100 * cpu) / wall;
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  process.stdout.write(
    `\nsyncs: ${latencies.length} in ${wall.toFixed(1)} s (${(latencies.length / wall).toFixed(1)}/s), failures ${failures}\n` +
      `central CPU: ${cpu.toFixed(2)} s over ${wall.toFixed(1)} s = ${share.toFixed(1)} % of one core, ${((1000 * cpu) / latencies.length).toFixed(2)} CPU-s per 1,000 syncs (targets: < 10 % for 1,000 children, < 30 % for 10,000)\n` +
      `sync latency: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(2)} ms (target p99 < 50 ms)\n`,
  );
  await node.stop();
  tmp.remove();
  if (failures) process.exitCode = 1;
}

await main();
