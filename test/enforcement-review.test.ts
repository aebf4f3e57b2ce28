// More ways a licensee who controls the machine may try to get more than the license grants, each tried against real
// `licensor serve` processes through the public interface, with the honest path beside it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Entitlement } from '@licensor/protocol';
import { fetchJson } from './support/http-client.js';
import { licenseTerms } from './support/license-terms.js';
import { siteSyncBody } from './support/site-sync.js';
import { createTestIssuer, freePort, spawnNode, tempDir, type TestIssuer } from './support/spawn-node.js';
import { until } from './support/until.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN = 'enforcement-review-admin-token-0123';

/** A license as the vendor CLI writes it (terms copied from the shipped catalogs), for a key given by hand. */
const licenseFile = (
  issuer: TestIssuer,
  dir: string,
  entitlements: Entitlement[],
  extra: { serverApplication?: boolean } = {},
) => issuer.writeVendorLicense(dir, entitlements, 'any', extra);

const api = (url: string, method: string, path: string, body?: unknown, token = ADMIN) =>
  fetchJson(url, token, method, path, body);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a local catalog cannot make registers drop out sooner: a 1 s inactivity limit leaves the second register blocked', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    // Signed: cash registers are never dropped for silence. The licensee's catalog drops them after 1 s, so that each
    // register, when it syncs, would find the others gone and take their place.
    const shipped = JSON.parse(readFileSync(join(ROOT, 'catalogs/openservice.json'), 'utf8'));
    for (const m of shipped.modules)
      if (m.id === 2001) m.policy = { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 1 };
    const edited = join(tmp.dir, 'openservice.json');
    writeFileSync(edited, JSON.stringify(shipped));
    const lic = licenseFile(issuer, tmp.dir, [{ moduleId: 2001, quantity: 1 }]);
    const node = await spawnNode({
      dataDir: join(tmp.dir, 'node'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: lic,
      args: ['--catalog', edited, '--reap-interval-ms', '200'],
    });
    try {
      assert.equal(
        (await api(node.url, 'PUT', '/v1/modules/2001/members/register-1', { features: [] })).body.state,
        'active',
      );
      await sleep(1500);
      const second = await api(node.url, 'PUT', '/v1/modules/2001/members/register-2', { features: [] });
      assert.equal(second.body.state, 'blocked', JSON.stringify(second.body));
      const policy = (await api(node.url, 'GET', '/v1/catalog')).body.modules.find(
        (m: { id: number }) => m.id === 2001,
      ).policy;
      assert.deepEqual(policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null });
    } finally {
      await node.stop();
    }
  } finally {
    tmp.remove();
  }
});

test('--application must name a server application: naming a granted client module does not skip the check', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const lic = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 2 }], { serverApplication: false });
    const node = await spawnNode({
      dataDir: join(tmp.dir, 'node'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: lic,
      args: ['--application', '4001'],
    });
    try {
      const refused = await api(node.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'LICENSE_MISSING');
      assert.match(
        refused.body.detail,
        /--application 4001 names OpenService\.Manager \(4001\), which is not a server application of this node's license/,
      );
      assert.equal((await api(node.url, 'GET', '/v1/status')).body.license.state, 'missing');
    } finally {
      await node.stop();
    }
  } finally {
    tmp.remove();
  }
});

test('a developer license handed down to a site stays non-production there', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    // The developer license runs on any key; its parent node allocates from it like from a centralized license.
    const entitlements = [
      { moduleId: 1001, quantity: null },
      { moduleId: 1002, quantity: 1 },
      { moduleId: 4001, quantity: 5 },
    ];
    const terms = licenseTerms(entitlements, { keySource: 'usb', developer: 'openservice', scope: 'centralized' });
    const dev = join(tmp.dir, 'dev.lic');
    writeFileSync(
      dev,
      issuer.sign(terms.entitlements, { ...terms, scope: 'centralized', developer: { id: 'openservice' } }),
    );
    const parent = await spawnNode({
      dataDir: join(tmp.dir, 'parent'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: dev,
      args: ['--sync-interval-ms', '200'],
    });
    let site: Awaited<ReturnType<typeof spawnNode>> | null = null;
    try {
      const token = (await api(parent.url, 'POST', '/v1/tokens', { role: 'node', name: 'site' })).body.secret;
      const siteKey = 'e'.repeat(64);
      site = await spawnNode({
        dataDir: join(tmp.dir, 'site'),
        port: await freePort(),
        hardwareKey: siteKey,
        issuerPublicKey: issuer.publicKey,
        adminToken: ADMIN,
        args: ['--upstream', parent.url, '--upstream-token', token, '--application', '1002'],
      });
      const child = await until(
        () => api(parent.url, 'GET', '/v1/nodes'),
        (r) => r.body.items.length === 1,
        'the site to register',
      );
      const put = await api(parent.url, 'PUT', `/v1/nodes/${child.body.items[0].id}/allocation`, {
        modules: { 1002: 1, 4001: 5 },
      });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const siteUrl = site.url;
      await until(
        () => api(siteUrl, 'GET', '/v1/upstream'),
        (r) => r.body.allocation !== null,
        'the site to take its allocation',
      );
      const lease = await api(siteUrl, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' });
      assert.equal(lease.status, 201, JSON.stringify(lease.body));
      assert.equal(lease.body.nonProduction, true);
      assert.equal(lease.headers.get('licensor-non-production'), 'true');
      assert.equal((await api(siteUrl, 'GET', '/v1/status')).body.nonProduction, true);
    } finally {
      await site?.stop();
      await parent.stop();
    }
  } finally {
    tmp.remove();
  }
});

/**
 * A central holding 5 Manager slots (centralized) and a site with a license of its own for 1, allocated 3 more by the
 * central: the site ends with quantity 4 and holders pc-1 … pc-4. `parentArgs` tune the central (sync, window).
 */
async function siteWithOwnLicenseAndAllocation(issuer: TestIssuer, dir: string, siteKey: string, parentArgs: string[]) {
  const central = issuer.writeLicense(dir, [], {
    ...licenseTerms(
      [
        { moduleId: 1001, quantity: null },
        { moduleId: 1002, quantity: 2 },
        { moduleId: 4001, quantity: 5 },
      ],
      { scope: 'centralized' },
    ),
    scope: 'centralized',
  });
  const parent = await spawnNode({
    dataDir: join(dir, 'parent'),
    port: await freePort(),
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken: ADMIN,
    licenseFile: central,
    args: parentArgs,
  });
  const own = join(dir, 'own.lic');
  const ownTerms = licenseTerms([{ moduleId: 4001, quantity: 1 }]);
  writeFileSync(own, issuer.sign(ownTerms.entitlements, { ...ownTerms, hardwareKey: siteKey }));
  const token = (await api(parent.url, 'POST', '/v1/tokens', { role: 'node', name: 'site' })).body.secret;
  const sitePort = await freePort();
  /** Starts (or starts again) the site on its data dir and port. */
  const startSite = () =>
    spawnNode({
      dataDir: join(dir, 'site'),
      port: sitePort,
      hardwareKey: siteKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: own,
      args: ['--upstream', parent.url, '--upstream-token', token],
    });
  const site = await startSite();
  const child = await until(
    () => api(parent.url, 'GET', '/v1/nodes'),
    (r) => r.body.items.length === 1,
    'the site to register',
  );
  const put = await api(parent.url, 'PUT', `/v1/nodes/${child.body.items[0].id}/allocation`, { modules: { 4001: 3 } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  /** The site's Manager quantity. */
  const quantity = async () =>
    (await api(site.url, 'GET', '/v1/pools')).body.pools.find((p: { moduleId: number }) => p.moduleId === 4001)
      ?.quantity;
  await until(quantity, (q) => q === 4, 'the site to hold its own 1 and the allocated 3');
  for (let i = 1; i <= 4; i++)
    assert.equal((await api(site.url, 'POST', '/v1/modules/4001/leases', { holderId: `pc-${i}` })).status, 201);
  return { parent, site, startSite, quantity };
}

test("an expired allocation adds nothing beside a license of the site's own: the site is back to its own quantity", async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    // Children sync every 200 ms; an allocation lives 3 s without a sync.
    const { parent, site, quantity } = await siteWithOwnLicenseAndAllocation(issuer, tmp.dir, 'f'.repeat(64), [
      '--sync-interval-ms',
      '200',
      '--allocation-window-ms',
      '3000',
    ]);
    try {
      const siteUrl = site.url;
      // The parent goes away; once the allocation's window has ended, only the site's own license counts.
      await parent.stop();
      const held = (await api(siteUrl, 'GET', '/v1/upstream')).body.allocation;
      await sleep(Math.max(0, Date.parse(held.notAfter) - Date.now()) + 300);
      for (let i = 1; i <= 4; i++) await api(siteUrl, 'DELETE', `/v1/modules/4001/leases/pc-${i}`);
      assert.equal((await api(siteUrl, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
      const second = await api(siteUrl, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-2' });
      assert.equal(second.body.code, 'INSUFFICIENT_LICENSE', JSON.stringify(second.body));
      assert.equal(await quantity(), 1);
      assert.equal((await api(siteUrl, 'GET', '/v1/status')).body.license.state, 'valid');
    } finally {
      await site.stop();
      await parent.stop();
    }
  } finally {
    tmp.remove();
  }
});

test('slots in use at a parent are not handed to a child on top: the latest holders beyond what the parent keeps lose theirs at once', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    // Signed: 5 Manager slots (REJECT_NEW) for the whole enterprise. The licensee fills all 5 at the central, then
    // allocates 2 to a site: without trimming, the central's 5 holders kept heartbeating while the site used 2 more.
    const central = issuer.writeLicense(tmp.dir, [], {
      ...licenseTerms(
        [
          { moduleId: 1001, quantity: null },
          { moduleId: 4001, quantity: 5 },
        ],
        { scope: 'centralized' },
      ),
      scope: 'centralized',
    });
    const parent = await spawnNode({
      dataDir: join(tmp.dir, 'parent'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: central,
    });
    try {
      const leaseIds = new Map<string, string>();
      for (let i = 1; i <= 5; i++) {
        const r = await api(parent.url, 'POST', '/v1/modules/4001/leases', { holderId: `pc-${i}` });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        leaseIds.set(`pc-${i}`, r.body.leaseId);
        await sleep(5); // distinct acquisition times: the latest taken go first
      }
      const token = (await api(parent.url, 'POST', '/v1/tokens', { role: 'node', name: 'site' })).body.secret;
      const sync = await api(parent.url, 'POST', '/v1/nodes/sync', siteSyncBody('a'.repeat(64)), token);
      assert.equal(sync.status, 200, JSON.stringify(sync.body));
      const put = await api(parent.url, 'PUT', `/v1/nodes/${sync.body.nodeId}/allocation`, { modules: { 4001: 2 } });
      assert.equal(put.status, 200, JSON.stringify(put.body));

      const pool = (await api(parent.url, 'GET', '/v1/pools/4001')).body;
      assert.equal(pool.summary.quantity, 3);
      assert.deepEqual(
        pool.holders.map((h: { holderId: string }) => h.holderId).sort(),
        ['pc-1', 'pc-2', 'pc-3'],
        'the two latest holders lost their slots when the allocation was written',
      );
      for (const holder of ['pc-4', 'pc-5']) {
        const beat = await api(parent.url, 'POST', `/v1/modules/4001/leases/${holder}/heartbeat`, {
          leaseId: leaseIds.get(holder),
        });
        assert.equal(beat.body.code, 'LEASE_EVICTED', JSON.stringify(beat.body));
        assert.match(beat.body.detail, /licensed quantity fell to 3/);
      }
      const kept = await api(parent.url, 'POST', '/v1/modules/4001/leases/pc-1/heartbeat', {
        leaseId: leaseIds.get('pc-1'),
      });
      assert.equal(kept.status, 200, JSON.stringify(kept.body));
      const refused = await api(parent.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-6' });
      assert.equal(refused.body.code, 'INSUFFICIENT_LICENSE');
      const events = (await api(parent.url, 'GET', '/v1/events?type=slot.evicted')).body.events;
      assert.deepEqual(
        events.map((e: { subject: string; data: { reason: string; quantity: number } }) => [
          e.subject,
          e.data.reason,
          e.data.quantity,
        ]),
        [
          ['pc-5', 'quantity_lowered', 3],
          ['pc-4', 'quantity_lowered', 3],
        ],
      );
    } finally {
      await parent.stop();
    }
  } finally {
    tmp.remove();
  }
});

test('a site holding its own license and an allocation keeps its holders across a restart (slots are trimmed only once every grant is back)', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const setUp = await siteWithOwnLicenseAndAllocation(issuer, tmp.dir, 'b'.repeat(64), ['--sync-interval-ms', '200']);
    const { parent, startSite, quantity } = setUp;
    let site = setUp.site;
    try {
      // Restarted, the site first knows only its own license (1), then restores the allocation (3 more): the four
      // holders must still hold when it is done, and none was told it lost its slot.
      await site.stop();
      site = await startSite();
      assert.equal(await quantity(), 4);
      for (let i = 1; i <= 4; i++) {
        const beat = await api(site.url, 'POST', `/v1/modules/4001/leases/pc-${i}/heartbeat`, {});
        assert.equal(beat.status, 200, `pc-${i}: ${JSON.stringify(beat.body)}`);
      }
      assert.deepEqual((await api(site.url, 'GET', '/v1/events?type=slot.evicted')).body.events, []);
    } finally {
      await site.stop();
      await parent.stop();
    }
  } finally {
    tmp.remove();
  }
});
