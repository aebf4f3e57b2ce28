import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog } from '@licensor/core';
import { licenseTerms, shippedCatalog, testLicensePayload } from './license-terms.js';
import {
  type Entitlement,
  formatPublicKey,
  type KeySource,
  type LicensePayload,
  newId,
  rawPublicKey,
  signLicense,
} from '@licensor/protocol';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'packages/server/src/cli/main.ts');

/** A throwaway vendor: an Ed25519 issuer key pair and a hardware key to bind licenses to. */
export interface TestIssuer {
  publicKey: string;
  hardwareKey: string;
  privateKey: KeyObject;
  /** Signs a license for `hardwareKey` (overrides win). */
  sign(entitlements: Entitlement[], overrides?: Partial<LicensePayload>): string;
  /** Signs a license and writes it to a file in `dir`; returns the path. */
  writeLicense(dir: string, entitlements: Entitlement[], overrides?: Partial<LicensePayload>): string;
  /**
   * Writes a license as the vendor CLI would for these entitlements and key source: the terms copied from the catalog,
   * the suite's server application granted too unless `serverApplication: false`. Returns the path.
   */
  writeVendorLicense(
    dir: string,
    entitlements: Entitlement[],
    keySource: KeySource,
    opts?: { serverApplication?: boolean },
  ): string;
}

/**
 * Makes a test issuer with a random hardware key. Its licenses sign the terms of the shipped catalogs, or of
 * `catalog()` when given (a vendor's own catalog: its policies are what a license carries).
 */
export function createTestIssuer(catalog?: () => Catalog): TestIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = formatPublicKey(rawPublicKey(publicKey));
  const hardwareKey = newId('hw')
    .slice(3)
    .padEnd(64, '0')
    .replace(/[^0-9a-f]/g, 'a');
  const sign = (entitlements: Entitlement[], overrides: Partial<LicensePayload> = {}) => {
    const parts = {
      hardwareKey,
      now: Date.now(),
      scope: 'static' as const,
      notAfter: null,
      entitlements,
      catalog: catalog ? catalog() : shippedCatalog(),
    };
    return signLicense(testLicensePayload(parts, overrides), privateKey, publicKey);
  };
  return {
    publicKey: pub,
    hardwareKey,
    privateKey,
    sign,
    writeVendorLicense(dir, entitlements, keySource, opts = {}) {
      const c = catalog ? catalog() : shippedCatalog();
      const terms = licenseTerms(entitlements, {
        keySource,
        catalog: c,
        ...(opts.serverApplication === false ? { serverApplication: false } : {}),
      });
      return this.writeLicense(dir, terms.entitlements, terms);
    },
    writeLicense(dir, entitlements, overrides) {
      const path = join(dir, `${newId('lic')}.lic`);
      writeFileSync(path, sign(entitlements, overrides));
      return path;
    },
  };
}

/** A free TCP port on 127.0.0.1 (asks the OS, then closes the probe socket). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

/** Options of a spawned `licensor serve` process. */
export interface SpawnNodeOptions {
  dataDir: string;
  port: number;
  hardwareKey: string;
  issuerPublicKey: string;
  adminToken: string;
  licenseFile?: string;
  /** Start without `--hardware-key`: the node reads its key itself (give `--hardware-key-source` in `args`). */
  dropHardwareKey?: boolean;
  /** More `licensor serve` flags, e.g. ['--session-grace-ms', '1000']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Run the built CLI (packages/server/dist, as `npm start` does) instead of the TypeScript sources through tsx. */
  built?: boolean;
  /** Flags for node itself, before the script (e.g. ['--cpu-prof'] when profiling a benchmark). */
  nodeArgs?: string[];
  /** How long to wait for "listening on" (default 30 s; tsx compiles on first start). */
  startTimeoutMs?: number;
}

/** A `licensor serve` child process. */
export interface SpawnedNode {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  /** Resolves with the exit code or signal when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: no shutdown hooks, no drain. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM: graceful stop. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns a real node process (`node --import tsx --conditions=licensor-source …/cli/main.ts serve …`) and waits until
 * it prints `listening on URL`. Rejects with the process output if it exits first or does not start in time.
 */
export async function spawnNode(opts: SpawnNodeOptions): Promise<SpawnedNode> {
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(opts.built
      ? [join(ROOT, 'packages/server/dist/cli/main.js')]
      : ['--import', 'tsx', '--conditions=licensor-source', MAIN]),
    'serve',
    '--data-dir',
    opts.dataDir,
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port),
    ...(opts.dropHardwareKey ? [] : ['--hardware-key', opts.hardwareKey]),
    '--issuer-public-key',
    opts.issuerPublicKey,
    '--bootstrap-admin-token',
    opts.adminToken,
    '--log-level',
    'silent',
    ...(opts.licenseFile ? ['--license', opts.licenseFile] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`licensor serve did not start in ${opts.startTimeoutMs ?? 30_000} ms:\n${out}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onData = () => {
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`licensor serve exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix = 'licensor-proc-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
