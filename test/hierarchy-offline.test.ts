import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { newId } from '@licensor/protocol';
import { createTestIssuer, freePort, type SpawnedNode, spawnNode, tempDir } from './support/spawn-node.js';
import { until as pollUntil } from './support/until.js';

// Real processes: a central node and a site node syncing with it. The central node is SIGKILLed; the site serves on
// its allocation until the window ends, then refuses; the central node comes back and the site recovers by itself.
const issuer = createTestIssuer();
const WINDOW_MS = 3_000;

async function api(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 15_000) =>
  pollUntil(probe, ok, what, { ms, pollMs: 50, retryErrors: true });

const hw = () =>
  newId('hw')
    .slice(3)
    .padEnd(64, '0')
    .replace(/[^0-9a-f]/g, 'b');

describe('three levels of real processes: central License Server → root Data Server → subordinate Data Server', () => {
  const dirs: { remove(): void }[] = [];
  const procs: SpawnedNode[] = [];
  after(async () => {
    for (const p of procs) await p.kill();
    for (const d of dirs) d.remove();
  });

  it('serves offline until the window ends, refuses with LICENSE_EXPIRED, recovers when the parent returns, and refuses a replayed allocation', async () => {
    const subDir = tempDir();
    dirs.push(subDir);
    const centralDir = tempDir();
    const siteDir = tempDir();
    dirs.push(centralDir, siteDir);
    const centralHw = hw();
    const centralAdmin = `adm_${newId('t')}`;
    const centralPort = await freePort();
    const licenseFile = issuer.writeLicense(
      centralDir.dir,
      [
        { moduleId: 4001, quantity: 5 },
        { moduleId: 1001, quantity: null },
        { moduleId: 1002, quantity: 3 },
        { moduleId: 1003, quantity: 2 },
      ],
      { hardwareKey: centralHw, scope: 'centralized' },
    );
    const centralOpts = {
      dataDir: centralDir.dir,
      port: centralPort,
      hardwareKey: centralHw,
      issuerPublicKey: issuer.publicKey,
      adminToken: centralAdmin,
      licenseFile,
      args: ['--sync-interval-ms', '200', '--allocation-window-ms', String(WINDOW_MS)],
    };
    let central = await spawnNode(centralOpts);
    procs.push(central);
    const nodeToken = await api(central.url, centralAdmin, 'POST', '/v1/tokens', { role: 'node', name: 'site sync' });
    assert.equal(nodeToken.status, 201);

    const siteAdmin = `adm_${newId('t')}`;
    const site = await spawnNode({
      dataDir: siteDir.dir,
      port: await freePort(),
      hardwareKey: hw(),
      issuerPublicKey: issuer.publicKey,
      adminToken: siteAdmin,
      args: [
        '--upstream',
        central.url,
        '--upstream-token',
        nodeToken.body.secret,
        '--node-name',
        'site 1',
        '--sync-interval-ms',
        '200',
      ],
    });
    procs.push(site);
    const appToken = (await api(site.url, siteAdmin, 'POST', '/v1/tokens', { role: 'app', name: 'pos' })).body
      .secret as string;
    const acquire = (holderId: string) => api(site.url, appToken, 'POST', '/v1/modules/4001/leases', { holderId });

    const list = await until(
      () => api(central.url, centralAdmin, 'GET', '/v1/nodes'),
      (r) => r.body?.items?.length === 1,
      'the site to register',
    );
    const siteId = list.body.items[0].id as string;
    assert.equal(
      (
        await api(central.url, centralAdmin, 'PUT', `/v1/nodes/${siteId}/allocation`, {
          modules: { 1002: 2, 4001: 4, 1003: 1 },
        })
      ).status,
      200,
    );
    const oldDoc = (await api(central.url, centralAdmin, 'GET', `/v1/nodes/${siteId}/allocation-document`)).body
      .allocation as string;
    assert.match(oldDoc, /BEGIN LICENSOR ALLOCATION/);
    await until(
      () => acquire('mgr-1'),
      (r) => r.status === 201,
      'the site to serve under its allocation',
    );

    // A subordinate Data Server under the site, counted in the site's pool 1003, with one manager slot of the site's.
    const siteNodeToken = (
      await api(site.url, siteAdmin, 'POST', '/v1/tokens', { role: 'node', name: 'subordinate sync' })
    ).body.secret as string;
    const subAdmin = `adm_${newId('t')}`;
    const sub = await spawnNode({
      dataDir: subDir.dir,
      port: await freePort(),
      hardwareKey: hw(),
      issuerPublicKey: issuer.publicKey,
      adminToken: subAdmin,
      args: ['--upstream', site.url, '--upstream-token', siteNodeToken, '--node-name', 'sub 1', '--counted-as', '1003'],
    });
    procs.push(sub);
    const subApp = (await api(sub.url, subAdmin, 'POST', '/v1/tokens', { role: 'app', name: 'pos' })).body
      .secret as string;
    const subAcquire = (holderId: string) => api(sub.url, subApp, 'POST', '/v1/modules/4001/leases', { holderId });
    const subList = await until(
      () => api(site.url, siteAdmin, 'GET', '/v1/nodes'),
      (r) => r.body?.items?.[0]?.state === 'active',
      'the subordinate to register',
    );
    assert.equal(
      (
        await api(site.url, siteAdmin, 'PUT', `/v1/nodes/${subList.body.items[0].id}/allocation`, {
          modules: { 1002: 1, 4001: 1 },
        })
      ).status,
      200,
    );
    await until(
      () => subAcquire('sub-mgr-1'),
      (r) => r.status === 201,
      'the subordinate to serve under its allocation',
    );
    // The central node sees all three levels.
    await until(
      () => api(central.url, centralAdmin, 'GET', '/v1/nodes'),
      (r) =>
        r.body?.items?.[0]?.children?.[0]?.usage?.some(
          (u: { moduleId: number; used: number }) => u.moduleId === 4001 && u.used === 1,
        ),
      "the subordinate's use to reach the central node",
    );

    // The central node dies. The site keeps serving on the allocation it holds.
    await central.kill();
    procs.splice(procs.indexOf(central), 1);
    const killedAt = Date.now();
    assert.equal((await acquire('mgr-2')).status, 201);
    const up = await until(
      () => api(site.url, siteAdmin, 'GET', '/v1/upstream'),
      (r) => r.body.state === 'unreachable',
      'the site to notice',
    );
    assert.match(up.body.lastError, /unreachable/);
    assert.match(up.body.message, /serving on the held allocation until its window ends at /);
    // … until the window of its last allocation ends; then client work is refused with LICENSE_EXPIRED.
    const refused = await until(
      () => acquire('mgr-2'),
      (r) => r.status === 409,
      'the allocation window to end',
      WINDOW_MS + 10_000,
    );
    assert.equal(refused.body.code, 'LICENSE_EXPIRED');
    assert.ok(Date.now() - killedAt >= WINDOW_MS - 1_000, 'served for about the window after the parent died');
    assert.equal((await acquire('mgr-1')).body.code, 'LICENSE_EXPIRED');
    // The subordinate's allocation never outlives the one it was carved from.
    const subRefused = await until(
      () => subAcquire('sub-mgr-2'),
      (r) => r.status === 409,
      'the subordinate to stop too',
      5_000,
    );
    // Its own allocation ended with the site's (LICENSE_EXPIRED), or — when it synced just after the site's ended — the
    // site, with nothing left to allocate, took it back (LICENSE_MISSING): a refusal either way.
    assert.ok(['LICENSE_EXPIRED', 'LICENSE_MISSING'].includes(subRefused.body.code), JSON.stringify(subRefused.body));
    // The link's state says so too, instead of still promising service on the allocation.
    await until(
      () => api(site.url, siteAdmin, 'GET', '/v1/upstream'),
      (r) => /the held allocation ended at .*refused/.test(r.body.message),
      'the upstream state to say the window ended',
      5_000,
    );

    // The central node comes back on the same data: the site recovers without a restart.
    central = await spawnNode(centralOpts);
    procs.push(central);
    await until(
      () => acquire('mgr-4'),
      (r) => r.status === 201,
      'the site to recover after the parent returns',
    );
    assert.equal((await api(site.url, siteAdmin, 'GET', '/v1/upstream')).body.state, 'active');
    await until(
      () => subAcquire('sub-mgr-1'),
      (r) => r.status === 200 || r.status === 201,
      'the subordinate to recover',
      10_000,
    );

    // Redistribution reaches the site at its next sync; the old document cannot bring the old quantity back.
    // (One of the site's two managers is handed on to its subordinate, so the site keeps one.)
    assert.equal(
      (
        await api(central.url, centralAdmin, 'PUT', `/v1/nodes/${siteId}/allocation`, {
          modules: { 1002: 2, 4001: 2, 1003: 1 },
        })
      ).status,
      200,
    );
    await until(
      () => api(site.url, siteAdmin, 'GET', '/v1/pools/4001'),
      (r) => r.body.summary?.quantity === 1,
      'the site to shrink to 1',
    );
    const replay = await api(site.url, siteAdmin, 'PUT', '/v1/upstream/allocation', { allocation: oldDoc });
    assert.equal(replay.status, 409);
    assert.match(replay.body.code, /ALLOCATION_STALE|LICENSE_EXPIRED/);
    assert.equal((await api(site.url, siteAdmin, 'GET', '/v1/pools/4001')).body.summary.quantity, 1);
    // Events on the site tell the story.
    const events = (await api(site.url, siteAdmin, 'GET', '/v1/events?after=0&limit=1000')).body.events.map(
      (e: { type: string }) => e.type,
    );
    for (const t of ['allocation.received', 'upstream.unreachable', 'allocation.expired', 'upstream.restored'])
      assert.ok(events.includes(t), `${t} in ${events.join(',')}`);
  });
});
