import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entitlement, formatPublicKey, rawPublicKey, signLicense } from '@licensor/protocol';

const root = new URL('../..', import.meta.url).pathname;

/** A node process started for a benchmark. */
export interface BenchNode {
  url: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `licensor serve` on 127.0.0.1 with a fresh data dir and a license granting the given entitlements. */
export async function spawnBenchNode(entitlements: Entitlement[], extraArgs: string[] = []): Promise<BenchNode> {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-bench-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const hardwareKey = 'b'.repeat(64);
  const now = Date.now();
  const license = signLicense(
    {
      v: 1,
      id: 'lic_bench',
      issuer: 'bench',
      customer: { id: 'cus_bench', name: 'Bench' },
      hardwareKey,
      scope: 'static',
      term: { type: 'permanent' },
      entitlements,
      issuedAt: new Date(now).toISOString(),
      notBefore: new Date(now - 60_000).toISOString(),
      notAfter: null,
    },
    privateKey,
    publicKey,
  );
  writeFileSync(join(dir, 'bench.lic'), license);
  const token = `lsr_bench_${now}`;
  const args = [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', '--conditions=licensor-source', join(root, 'packages/server/src/cli/main.ts'), 'serve', '--data-dir', join(dir, 'node'), '--port', '0',
    '--hardware-key', hardwareKey, '--issuer-public-key', formatPublicKey(rawPublicKey(publicKey)), '--license', join(dir, 'bench.lic'), '--bootstrap-admin-token', token, '--log-level', 'error', ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += String(c);
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`node exited with ${code}: ${out}`)));
  });
  return {
    url,
    token,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Spawns the bare Fastify peer: one POST route returning a constant (the HTTP ceiling on this machine). */
export async function spawnBareFastify(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/support/bare-fastify.ts')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout?.on('data', (c) => resolve(String(c).trim())));
  return {
    url,
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
