import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchJson, type Send } from './http-client.js';
import { catalogOf, testLicensePayload } from './license-terms.js';
import {
  type Entitlement,
  formatPublicKey,
  type LicensePayload,
  newId,
  rawPublicKey,
  signLicense,
} from '@licensor/protocol';
import { loadNodeConfig, type NodeConfig } from '../../packages/server/src/config/node-config.js';
import type { Clock } from '../../packages/server/src/time/clock.js';
import { type RunningNode, startNode } from '../../packages/server/src/main/start-node.js';

// Every node a test starts checks each JSON answer against its route's declared schema (startNode's validateResponses):
// an undeclared answer is a 500.

/** A clock tests move by hand: a wall clock (`t`, which a test may set anywhere) and a monotonic one. */
export class FakeClock implements Clock {
  /** The monotonic clock: moved only by advance(). */
  mono = 0;
  constructor(public t = Date.parse('2026-06-01T00:00:00Z')) {}
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.mono;
  }
  /** Moves time forward: the wall clock and the monotonic clock alike. */
  advance(ms: number): void {
    this.t += ms;
    this.mono += ms;
  }
  /** Sets the wall clock back, as a licensee can; the monotonic clock does not move. */
  setBack(ms: number): void {
    this.t -= ms;
  }
}

/** Options of a test node. */
export interface TestNodeOptions {
  /** Entitlements of the installed license; omit `license` to start without one. */
  entitlements?: Entitlement[];
  license?: boolean;
  developer?: string;
  scope?: 'centralized' | 'static';
  notAfter?: string | null;
  clock?: Clock;
  sessionGraceMs?: number;
  reapIntervalMs?: number;
  dataDir?: string;
  flags?: Partial<Record<keyof NodeConfig, string>>;
  /** Start as a vendor node: the test issuer's private key goes into `<dataDir>/issuer` (`--issuer-dir`), so the node can issue and renew licenses. */
  issuer?: boolean;
  /** The issuer key pair to sign with (nodes of one enterprise tree share their vendor); default: a fresh pair. */
  issuerKeys?: { privateKey: KeyObject; publicKey: KeyObject };
  /** This node's hardware key; default: a random one. */
  hardwareKey?: string;
  /** Read the key from a USB drive in this (fake) sysfs tree instead of taking `hardwareKey` by hand. */
  sysfsRoot?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
type JsonAnswer = any;

/** A node under test with its tokens and issuer. */
export interface TestNode {
  url: string;
  adminToken: string;
  appToken: string;
  hardwareKey: string;
  publicKey: string;
  dataDir: string;
  running: RunningNode;
  /** Signs a license for this node's hardware key. */
  sign(overrides?: Partial<LicensePayload>): string;
  /** fetch with the admin (default) or app token, JSON in and out. */
  api(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: JsonAnswer; headers: Headers }>;
  close(): Promise<void>;
}

/** Starts an in-process node on 127.0.0.1 with a random port, a fresh data dir and a signed license. */
export async function startTestNode(opts: TestNodeOptions = {}): Promise<TestNode> {
  const { privateKey, publicKey } = opts.issuerKeys ?? generateKeyPairSync('ed25519');
  const pub = formatPublicKey(rawPublicKey(publicKey));
  const hardwareKey =
    opts.hardwareKey ??
    newId('hw')
      .slice(3)
      .padEnd(64, '0')
      .replace(/[^0-9a-f]/g, 'a');
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'licensor-test-'));
  const clock = opts.clock;
  const now = clock ? clock.now() : Date.now();
  const sign = (overrides: Partial<LicensePayload> = {}) => {
    const parts = {
      hardwareKey,
      now,
      scope: opts.scope ?? ('static' as const),
      notAfter: opts.notAfter ?? null,
      ...(opts.developer ? { developer: opts.developer } : {}),
      entitlements: opts.entitlements ?? [],
      catalog: catalogOf(opts.flags?.catalogs),
    };
    return signLicense(testLicensePayload(parts, overrides), privateKey, publicKey);
  };
  let issuerDir: string | undefined;
  if (opts.issuer) {
    issuerDir = join(dataDir, 'issuer');
    mkdirSync(issuerDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(issuerDir, 'issuer.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, {
      mode: 0o600,
    });
    writeFileSync(join(issuerDir, 'issuer.pub'), `${pub}\n`);
  }
  const adminToken = `lsr_admin_${newId('t')}`;
  const config = loadNodeConfig(
    {
      dataDir,
      port: '0',
      host: '127.0.0.1',
      ...(opts.sysfsRoot ? { sysfsRoot: opts.sysfsRoot, hardwareKeySource: 'usb' } : { hardwareKey }),
      issuerPublicKey: pub,
      logLevel: 'silent',
      sessionGraceMs: String(opts.sessionGraceMs ?? 300),
      reapIntervalMs: String(opts.reapIntervalMs ?? 100),
      bootstrapAdminToken: adminToken,
      ...(issuerDir ? { issuerDir } : {}),
      ...opts.flags,
    },
    {},
  );
  if (!config.ok) throw new Error(config.message);
  const started = await startNode(config.value, { ...(clock ? { clock } : {}), validateResponses: true });
  if (!started.ok) throw new Error(started.message);
  const running = started.value;
  const url = running.url;
  // With --tls-cert the node serves HTTPS; fetch cannot take a CA, so those calls go through node:https trusting the
  // node's (self-signed) certificate. Plain-HTTP nodes keep using fetch.
  const ca = url.startsWith('https:') && opts.flags?.tlsCert ? readFileSync(opts.flags.tlsCert) : null;
  const send: Send | undefined = ca ? (u, init) => httpsFetch(u, init.method, init.headers, init.body, ca) : undefined;
  const api: TestNode['api'] = (method, path, body, token = adminToken, headers = {}) =>
    fetchJson(url, token, method, path, body, headers, send);
  if (opts.license !== false && (opts.entitlements || opts.developer)) {
    const r = await api('PUT', '/v1/license', { license: sign() });
    if (r.status !== 200) throw new Error(`license install failed: ${JSON.stringify(r.body)}`);
  }
  const app = await api('POST', '/v1/tokens', { role: 'app', name: 'test-app' });
  return {
    url,
    adminToken,
    appToken: app.body.secret,
    hardwareKey,
    publicKey: pub,
    dataDir,
    running,
    sign,
    api,
    async close() {
      await running.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minimal fetch over node:https that trusts `ca` (for nodes started with --tls-cert). */
function httpsFetch(
  url: string,
  method: string,
  headers: Record<string, string>,
  payload: string | undefined,
  ca: Buffer,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 0;
        const noBody = status === 204 || status === 304;
        resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: h }));
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
