import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Entitlement } from '@licensor/protocol';
import {
  type LicenseStatePush,
  type LicensingError,
  LicensingClient,
  licensedModule,
  loadPlugin,
  type MemberStatePush,
} from '@licensor/sdk';
import { JsonClient } from './support/http-client.js';
import type { Catalog } from '@licensor/core';
import { catalogOf, shippedCatalog } from './support/license-terms.js';
import { createTestIssuer, freePort, type SpawnedNode, spawnNode, tempDir } from './support/spawn-node.js';
import { until } from './support/until.js';

// The administrator's daily work on a real `licensor serve` process, through HTTP, the SDK and the CLI: a register
// blocked for its profile, removing a register for good, inactivity expiry, a license swapped between developer and
// production under connected clients, and a plugin told when its instance license is lost and back.
const ROOT = new URL('..', import.meta.url).pathname;
const REGISTER = 2001;
const DISCOUNTS = 2101;
const VIDEO = 2105;
const SUBORDINATES = 1003;
const MANAGER = 4001;
const DISPLAY = 10001;

// The vendor's catalog (written in before()): subordinate servers leave after one silent second, signed into licenses.
let vendorCatalog: Catalog | null = null;
const issuer = createTestIssuer(() => vendorCatalog ?? shippedCatalog());
const adminToken = 'lsr_admin_members-admin-test';
const dir = tempDir('licensor-members-');
const BASE: Entitlement[] = [
  { moduleId: REGISTER, quantity: 1 },
  { moduleId: DISCOUNTS, quantity: null },
  { moduleId: SUBORDINATES, quantity: 1 },
  { moduleId: MANAGER, quantity: 5 },
  { moduleId: DISPLAY, quantity: 1 },
];
let node: SpawnedNode;
let admin: JsonClient;
let appToken: string;

/** Runs the real `licensor` CLI against the node. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=licensor-source',
        'packages/server/src/cli/main.ts',
        ...args,
        '--url',
        node.url,
        '--token',
        adminToken,
      ],
      { cwd: ROOT },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Installs a license signed for the node with `licensor license install`. */
async function install(entitlements: Entitlement[], developer = false): Promise<void> {
  const file = issuer.writeLicense(dir.dir, entitlements, developer ? { developer: { id: 'openservice' } } : {});
  const r = await cli('license', 'install', file);
  assert.equal(r.code, 0, r.stderr);
}

before(async () => {
  // Subordinate servers (1003) leave after one silent second in this catalog; registers (2001) keep the default: never.
  const catalog = JSON.parse(readFileSync(join(ROOT, 'catalogs/openservice.json'), 'utf8'));
  for (const m of catalog.modules) if (m.id === SUBORDINATES) m.policy.memberInactiveAfterSeconds = 1;
  const catalogFile = join(dir.dir, 'openservice-expiring.json');
  writeFileSync(catalogFile, JSON.stringify(catalog));
  vendorCatalog = catalogOf([catalogFile, join(ROOT, 'catalogs/syrve-plugins.json')].join(','));
  node = await spawnNode({
    dataDir: join(dir.dir, 'node'),
    port: await freePort(),
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken,
    licenseFile: issuer.writeLicense(dir.dir, BASE),
    args: [
      '--catalog',
      catalogFile,
      join(ROOT, 'catalogs/syrve-plugins.json'),
      '--reap-interval-ms',
      '100',
      '--session-grace-ms',
      '2000',
    ],
  });
  admin = new JsonClient(node.url, adminToken);
  const token = await admin.request('POST', '/v1/tokens', { role: 'app', name: 'registers' });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  appToken = token.body.secret;
});

after(async () => {
  admin?.close();
  await node?.stop();
  dir.remove();
});

test('a register whose profile enables an unlicensed add-on is stored blocked, seen blocked everywhere, and takes no seat', async () => {
  await using c = new LicensingClient({ url: node.url, token: appToken });
  const video = await c.syncMember(REGISTER, 'reg-video', [DISCOUNTS, VIDEO]);
  assert.equal(video.state, 'blocked');
  assert.deepEqual(video.reasons, ['features_unlicensed']);
  assert.deepEqual(video.missingFeatures, [VIDEO]);
  // With quantity 1, the clean register connecting after it still gets the seat.
  const clean = await c.syncMember(REGISTER, 'reg-clean', [DISCOUNTS]);
  assert.equal(clean.state, 'active');

  const pool = await admin.request('GET', `/v1/pools/${REGISTER}`);
  assert.equal(pool.body.summary.blocked, 1);
  assert.equal(pool.body.summary.blockedByProfile, 1);
  assert.deepEqual(
    pool.body.members.map(
      (m: { memberId: string; state: string; blockedReason: string | null; missingFeatures: number[] }) => [
        m.memberId,
        m.state,
        m.blockedReason,
        m.missingFeatures,
      ],
    ),
    [
      ['reg-video', 'blocked', 'features_unlicensed', [VIDEO]],
      ['reg-clean', 'active', null, []],
    ],
  );
  const pools = await cli('pools');
  assert.match(pools.stdout, /OpenService\.Cash Register\s+BLOCK_LATEST\s+1\s+1\s+1 \(1 for add-ons\)/, pools.stdout);
  const list = await cli('member', 'list', String(REGISTER));
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /1\s+reg-video\s+blocked\s+add-ons not licensed: 2105/);
  assert.match(list.stdout, /2\s+reg-clean\s+active/);
  const events = await admin.request('GET', '/v1/events?type=member.blocked');
  assert.deepEqual(
    events.body.events.map((e: { subject: string; data: { reason: string; modules: number[] } }) => [
      e.subject,
      e.data.reason,
      e.data.modules,
    ]),
    [['reg-video', 'features_unlicensed', [VIDEO]]],
  );

  // The profile is fixed: reg-video takes back its place (it connected first) and reg-clean is told it is blocked now.
  const pushed = new Promise<MemberStatePush>((resolve) =>
    c.on('memberState', (m) => m.memberId === 'reg-clean' && resolve(m)),
  );
  assert.equal((await c.syncMember(REGISTER, 'reg-video', [DISCOUNTS])).state, 'active');
  const push = await pushed;
  assert.equal(push.state, 'blocked');
  assert.equal(push.reason, 'beyond_quantity');
});

test('licensor member remove: a register gone for good frees its seat and the blocked one behind it becomes active', async () => {
  await using c = new LicensingClient({ url: node.url, token: appToken });
  assert.equal((await c.syncMember(REGISTER, 'reg-clean')).state, 'blocked');
  const pushed = new Promise<MemberStatePush>((resolve) =>
    c.on('memberState', (m) => m.memberId === 'reg-clean' && resolve(m)),
  );
  const removed = await cli('member', 'remove', String(REGISTER), 'reg-video');
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(removed.stdout, `removed reg-video from module ${REGISTER}; now active: reg-clean\n`);
  assert.equal((await pushed).state, 'active');
  assert.match((await cli('member', 'list', String(REGISTER))).stdout, /1\s+reg-clean\s+active/);

  const missing = await cli('member', 'remove', String(REGISTER), 'reg-video');
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'licensor: NOT_FOUND: OpenService.Cash Register: no member reg-video\n');
  const bad = await cli('member', 'remove', 'registers', 'reg-clean');
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^licensor: moduleId must be a positive integer/);
  const audit = await admin.request('GET', '/v1/audit');
  assert.ok(
    audit.body.entries.some(
      (e: { action: string; target: string }) => e.action === 'member.removed' && e.target === `${REGISTER}/reg-video`,
    ),
  );
});

test('inactivity expiry: a subordinate server silent past the policy frees its place (member.expired); registers, without the setting, stay', async () => {
  const app = new JsonClient(node.url, appToken);
  try {
    assert.equal((await app.request('PUT', `/v1/modules/${SUBORDINATES}/members/branch-1`, {})).body.state, 'active');
    assert.equal((await app.request('PUT', `/v1/modules/${SUBORDINATES}/members/branch-2`, {})).body.state, 'blocked');
    // branch-2 keeps syncing while blocked; branch-1 has gone silent.
    const deadline = Date.now() + 10_000;
    let state = 'blocked';
    while (state === 'blocked' && Date.now() < deadline) {
      await sleep(300);
      state = (await app.request('PUT', `/v1/modules/${SUBORDINATES}/members/branch-2`, {})).body.state;
    }
    assert.equal(state, 'active', 'branch-2 became active once branch-1 expired');
    const events = await admin.request('GET', '/v1/events?type=member.expired,member.unblocked');
    const feed = events.body.events.map((e: { type: string; subject: string }) => `${e.type} ${e.subject}`);
    assert.ok(feed.includes('member.expired branch-1'), JSON.stringify(feed));
    assert.ok(
      feed.indexOf('member.unblocked branch-2') > feed.indexOf('member.expired branch-1'),
      JSON.stringify(feed),
    );
    const expired = events.body.events.find((e: { type: string }) => e.type === 'member.expired');
    assert.equal(expired.data.inactiveAfterSeconds, 1);
    // reg-clean has not synced for longer than a second too, and stays: its policy sets no expiry.
    assert.match((await cli('member', 'list', String(REGISTER))).stdout, /reg-clean\s+active/);
  } finally {
    app.close();
  }
});

test('a license swapped between production and developer reaches every connected client and its leases at once, both ways', async () => {
  await using session = new LicensingClient({ url: node.url, token: appToken });
  await using overHttp = new LicensingClient({
    url: node.url,
    token: appToken,
    transport: 'http',
    heartbeatIntervalMs: 100,
  });
  const lease = await session.acquireSlot(MANAGER, 'pos-swap-1');
  const httpLease = await overHttp.acquireSlot(MANAGER, 'pos-swap-2');
  assert.equal(session.nonProduction, false);
  assert.equal(lease.nonProduction, false);
  assert.equal(lease.license?.quantity, 5);
  assert.equal(session.license?.state, 'valid');

  const heard: LicenseStatePush[] = [];
  session.on('licenseState', (p) => heard.push(p));
  await install([{ moduleId: MANAGER, quantity: 3 }], true);
  await until(
    async () => heard.length,
    (n) => n > 0,
    'the license.state push',
  );
  assert.equal(heard[0]?.nonProduction, true);
  assert.equal(session.nonProduction, true);
  assert.equal(lease.nonProduction, true);
  assert.equal(session.license?.nonProduction, true);
  // Over plain HTTP there is no push: the next heartbeat says so.
  await until(
    async () => httpLease.nonProduction,
    (v) => v,
    'the HTTP lease to learn non-production from a heartbeat',
  );
  assert.equal(overHttp.nonProduction, true);
  assert.equal((await admin.request('GET', '/v1/status')).body.nonProduction, true);

  await install(BASE);
  await until(
    async () => heard.length,
    (n) => n > 1,
    'the second license.state push',
  );
  assert.equal(session.nonProduction, false);
  assert.equal(lease.nonProduction, false);
  assert.deepEqual(
    session.license?.entitlements.find((e) => e.moduleId === MANAGER),
    { moduleId: MANAGER, quantity: 5 },
  );
  assert.equal(lease.license?.quantity, 5);
  await until(
    async () => httpLease.nonProduction,
    (v) => !v,
    'the HTTP lease to learn production again',
  );
  await Promise.all([lease.release(), httpLease.release()]);
});

test('a loaded plugin is told when its instance license is lost (force-released, license shrunk) and takes it again when the license allows', async () => {
  @licensedModule(DISPLAY)
  class CustomerDisplay {
    readonly log: string[] = [];
    onLicenseLost(error: LicensingError): void {
      this.log.push(`lost ${error.code}`);
    }
    onLicenseRestored(): void {
      this.log.push('restored');
    }
  }
  await using client = new LicensingClient({ url: node.url, token: appToken });
  const loaded = await loadPlugin(client, CustomerDisplay, {
    instanceId: 'pos-7/customer-display',
    retryIntervalMs: 200,
  });
  assert.equal(loaded.licensed, true);
  const first = loaded.lease;
  assert.ok(first);

  // An administrator force-releases the instance: the plugin hears it at once, then takes the free slot again.
  const released = await cli('release', String(DISPLAY), 'pos-7/customer-display');
  assert.equal(released.code, 0, released.stderr);
  await until(
    async () => loaded.plugin.log.length,
    (n) => n >= 1,
    'the plugin to hear of the loss',
  );
  assert.equal(loaded.plugin.log[0], 'lost LEASE_NOT_FOUND');
  await until(
    async () => loaded.licensed,
    (v) => v,
    'the plugin to take its license again',
  );
  assert.deepEqual(loaded.plugin.log, ['lost LEASE_NOT_FOUND', 'restored']);
  assert.notEqual(loaded.lease, first);

  // The license no longer includes the plugin: lost at once; back in the license: restored at once (pushed).
  await install(BASE.filter((e) => e.moduleId !== DISPLAY));
  await until(
    async () => loaded.licensed,
    (v) => !v,
    'the plugin to lose its license with the license',
  );
  assert.equal(loaded.lostError?.code, 'MODULE_NOT_LICENSED');
  assert.equal(loaded.lease, null);
  const holders = await admin.request('GET', `/v1/pools/${DISPLAY}`);
  assert.equal(holders.body.holders.length, 0, 'the slot was given back');
  await install(BASE);
  await until(
    async () => loaded.licensed,
    (v) => v,
    'the plugin to be licensed again',
  );
  assert.deepEqual(loaded.plugin.log, ['lost LEASE_NOT_FOUND', 'restored', 'lost MODULE_NOT_LICENSED', 'restored']);
  await loaded.unload();
  assert.equal((await admin.request('GET', `/v1/pools/${DISPLAY}`)).body.holders.length, 0);
});
