import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Entitlement } from '@licensor/protocol';
import { createTestIssuer, freePort, spawnNode, type TestIssuer, tempDir } from '../../test/support/spawn-node.js';

const root = new URL('../..', import.meta.url).pathname;

/** A node process started for a benchmark. */
export interface BenchNode {
  url: string;
  token: string;
  process: ChildProcess;
  /** What the node printed so far (its logs, and its last words if it crashed). */
  output(): string;
  stop(): Promise<void>;
}

let built = false;

/**
 * Spawns the built `licensor serve` (what production runs: compiled JavaScript, no tsx in the process) on 127.0.0.1
 * with a fresh data dir and a license granting the given entitlements. Builds first; incremental when up to date.
 * Nodes sharing one PostgreSQL store (`--store postgres://…` in `extraArgs`) must share `vendor` (issuer and hardware key).
 */
export async function spawnBenchNode(
  entitlements: Entitlement[],
  extraArgs: string[] = [],
  vendor: TestIssuer = createTestIssuer(),
): Promise<BenchNode> {
  if (!built) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    built = true;
  }
  const issuer = vendor;
  const tmp = tempDir('licensor-bench-');
  const token = `lsr_bench_${Date.now()}`;
  const node = await spawnNode({
    dataDir: join(tmp.dir, 'node'),
    port: await freePort(),
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken: token,
    licenseFile: issuer.writeLicense(tmp.dir, entitlements),
    // One token drives all the load; the per-token limit (10,000 requests/s by default) would measure itself.
    args: ['--rate-limit-per-second', '0', ...extraArgs],
    nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
    built: true,
  });
  return {
    url: node.url,
    token,
    process: node.child,
    output: node.output,
    async stop() {
      await node.stop();
      tmp.remove();
    },
  };
}

/** Spawns the bare Fastify peer: one POST route returning a constant (the HTTP ceiling on this machine). */
export async function spawnBareFastify(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/support/bare-fastify.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => child.stdout?.on('data', (c) => resolve(String(c).trim())));
  return {
    url,
    pid: child.pid as number,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Median of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
