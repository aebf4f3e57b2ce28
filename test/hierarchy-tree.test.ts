import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from './support/test-node.js';
import { until } from './support/until.js';

// A License Server with a centralized license → a root Data Server → two subordinate Data Servers, all in this
// process on real HTTP: allocations flow down, usage flows up, and the subordinate-server limit blocks the latest.
const issuerKeys = generateKeyPairSync('ed25519');

async function child(
  parent: TestNode,
  name: string,
  flags: Record<string, string> = {},
  license = false,
): Promise<TestNode> {
  const token = await parent.api('POST', '/v1/tokens', { role: 'node', name: `${name} sync` });
  assert.equal(token.status, 201, JSON.stringify(token.body));
  return startTestNode({
    issuerKeys,
    license,
    ...(license ? { entitlements: [{ moduleId: 2001, quantity: 1 }] } : {}),
    flags: {
      upstreamUrl: parent.url,
      upstreamToken: token.body.secret,
      nodeName: name,
      syncIntervalMs: '150',
      ...flags,
    },
  });
}

const acquire = (n: TestNode, moduleId: number, holderId: string) =>
  n.api('POST', `/v1/modules/${moduleId}/leases`, { holderId }, n.appToken);
const join = (n: TestNode, moduleId: number, memberId: string) =>
  n.api('PUT', `/v1/modules/${moduleId}/members/${memberId}`, {}, n.appToken);

describe('enterprise tree: License Server → root Data Server → subordinate Data Servers', () => {
  let ls: TestNode;
  let root: TestNode;
  let sub1: TestNode;
  let sub2: TestNode;
  const nodes: TestNode[] = [];

  before(async () => {
    ls = await startTestNode({
      issuerKeys,
      scope: 'centralized',
      entitlements: [
        { moduleId: 1001, quantity: null },
        { moduleId: 1002, quantity: 5 },
        { moduleId: 1003, quantity: 2 },
        { moduleId: 2001, quantity: 10 },
        { moduleId: 4001, quantity: 4 },
      ],
      flags: { syncIntervalMs: '150', allocationWindowMs: '60000' },
    });
    nodes.push(ls);
    root = await child(ls, 'root data server', { allocationWindowMs: '60000' });
    nodes.push(root);
  });
  after(async () => {
    for (const n of nodes.reverse()) await n.close();
  });

  it('registers the child on its first sync; without an allocation it refuses client work', async () => {
    const tree = await until(
      () => ls.api('GET', '/v1/nodes'),
      (r) => r.body.items.length === 1,
      'root to register',
    );
    assert.equal(tree.body.distributable, true);
    assert.equal(tree.body.items[0].name, 'root data server');
    assert.equal(tree.body.items[0].allocation, null);
    const r = await acquire(root, 4001, 'mgr-1');
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'LICENSE_MISSING');
    const up = await root.api('GET', '/v1/upstream');
    assert.equal(up.status, 200);
    assert.equal(up.body.state, 'active');
  });

  it('allocates from what the License Server holds; the sum never exceeds it', async () => {
    const rootId = (await ls.api('GET', '/v1/nodes')).body.items[0].id;
    const tooMuch = await ls.api('PUT', `/v1/nodes/${rootId}/allocation`, { modules: { 2001: 11 } });
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.code, 'ALLOCATION_EXCEEDED');
    assert.equal(tooMuch.body.field, 'modules.2001');
    const unknown = await ls.api('PUT', `/v1/nodes/${rootId}/allocation`, { modules: { 5001: 1 } });
    assert.equal(unknown.body.code, 'MODULE_NOT_LICENSED');
    // The root runs the Data Server application: its share of 1002 comes with the rest.
    const set = await ls.api('PUT', `/v1/nodes/${rootId}/allocation`, {
      modules: { 1002: 2, 1003: 1, 2001: 6, 4001: 3 },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.allocation.modules, { 1002: 2, 1003: 1, 2001: 6, 4001: 3 });
    // The License Server keeps the rest for its own clients.
    const own = await ls.api('GET', '/v1/pools/2001');
    assert.equal(own.body.summary.quantity, 4);
    // The root takes the allocation at its next sync and serves under it.
    await until(
      () => root.api('GET', '/v1/pools/4001'),
      (r) => r.body.summary.quantity === 3,
      'root pool 4001 to be sized by the allocation',
    );
    for (const m of ['mgr-1', 'mgr-2', 'mgr-3']) assert.equal((await acquire(root, 4001, m)).status, 201);
    const full = await acquire(root, 4001, 'mgr-4');
    assert.equal(full.body.code, 'INSUFFICIENT_LICENSE');
  });

  it('counts subordinate servers in the root pool and blocks the one connected last', async () => {
    sub1 = await child(root, 'site A', { countedAs: '1003' });
    nodes.push(sub1);
    await until(
      () => root.api('GET', '/v1/nodes'),
      (r) => r.body.items.length === 1 && r.body.items[0].state === 'active',
      'site A to register',
    );
    sub2 = await child(root, 'site B', { countedAs: '1003' });
    nodes.push(sub2);
    const tree = await until(
      () => root.api('GET', '/v1/nodes'),
      (r) =>
        r.body.items.length === 2 &&
        r.body.items.every(
          (i: { lastSyncAt: string; message: string }) => i.message !== 'not synced since this node started',
        ),
      'site B to register',
    );
    const byName = Object.fromEntries(tree.body.items.map((i: { name: string }) => [i.name, i]));
    assert.equal(byName['site A'].state, 'active');
    assert.equal(byName['site B'].state, 'blocked');
    const blockedUp = await until(
      () => sub2.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'blocked',
      'site B to learn it is blocked',
    );
    assert.match(blockedUp.body.message, /blocked/);
    const r = await join(sub2, 2001, 'reg-1');
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'SYNC_BLOCKED');
  });

  it('allocates down the second level, redistributes, and sees usage of the whole enterprise at the top', async () => {
    const items = (await root.api('GET', '/v1/nodes')).body.items as { id: string; name: string }[];
    const a = items.find((i) => i.name === 'site A') as { id: string };
    const over = await root.api('PUT', `/v1/nodes/${a.id}/allocation`, { modules: { 2001: 7 } });
    assert.equal(over.body.code, 'ALLOCATION_EXCEEDED');
    assert.equal(
      (await root.api('PUT', `/v1/nodes/${a.id}/allocation`, { modules: { 1002: 1, 2001: 2 } })).status,
      200,
    );
    await until(
      () => sub1.api('GET', '/v1/pools/2001'),
      (r) => r.body.summary.quantity === 2,
      'site A to hold 2 registers',
    );
    assert.equal((await join(sub1, 2001, 'reg-1')).body.state, 'active');
    assert.equal((await join(sub1, 2001, 'reg-2')).body.state, 'active');
    assert.equal((await join(sub1, 2001, 'reg-3')).body.state, 'blocked');
    // The root keeps 6 − 2 = 4 registers for itself.
    assert.equal((await root.api('GET', '/v1/pools/2001')).body.summary.quantity, 4);
    // Redistribution: site A drops to 1; its latest register is blocked at the next sync, by the pool's policy.
    assert.equal(
      (await root.api('PUT', `/v1/nodes/${a.id}/allocation`, { modules: { 1002: 1, 2001: 1 } })).status,
      200,
    );
    await until(
      () => sub1.api('GET', '/v1/pools/2001'),
      (r) => r.body.summary.quantity === 1 && r.body.summary.blocked === 2,
      'site A to shrink to 1 register',
    );
    // The License Server sees site A's use through the root's report.
    const top = await until(
      () => ls.api('GET', '/v1/nodes'),
      (r) =>
        r.body.items[0]?.children?.some(
          (c: { name: string; usage: { moduleId: number; used: number }[] }) =>
            c.name === 'site A' && c.usage.some((u) => u.moduleId === 2001 && u.used === 1),
        ),
      'site A usage to reach the License Server',
    );
    const rootView = top.body.items[0];
    assert.ok(rootView.usage.some((u: { moduleId: number; used: number }) => u.moduleId === 4001 && u.used === 3));
    const siteB = rootView.children.find((c: { name: string }) => c.name === 'site B');
    assert.equal(siteB.state, 'blocked');
  });

  it('unblocks the latest subordinate when an earlier one is forgotten', async () => {
    const items = (await root.api('GET', '/v1/nodes')).body.items as { id: string; name: string }[];
    const a = items.find((i) => i.name === 'site A') as { id: string };
    assert.equal((await root.api('DELETE', `/v1/nodes/${a.id}`)).status, 200);
    await sub1.close();
    nodes.splice(nodes.indexOf(sub1), 1);
    await until(
      () => sub2.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'active',
      'site B to be unblocked',
    );
    assert.notEqual((await join(sub2, 2001, 'reg-1')).body.code, 'SYNC_BLOCKED');
  });

  it('refuses a replayed older allocation document', async () => {
    const rootId = (await ls.api('GET', '/v1/nodes')).body.items[0].id;
    const old = await ls.api('GET', `/v1/nodes/${rootId}/allocation-document`);
    assert.equal(old.status, 200);
    assert.equal(
      (await ls.api('PUT', `/v1/nodes/${rootId}/allocation`, { modules: { 1002: 2, 1003: 1, 2001: 6, 4001: 2 } }))
        .status,
      200,
    );
    await until(
      () => root.api('GET', '/v1/pools/4001'),
      (r) => r.body.summary.quantity === 2,
      'root to take the new allocation',
    );
    const replay = await root.api('PUT', '/v1/upstream/allocation', { allocation: old.body.allocation });
    assert.equal(replay.status, 409);
    assert.equal(replay.body.code, 'ALLOCATION_STALE');
    assert.equal((await root.api('GET', '/v1/pools/4001')).body.summary.quantity, 2);
    // A document for another node is refused too.
    const forged = old.body.allocation.replace(/[A-Za-z](?=[^\n]*\n-----END)/, (c: string) => (c === 'A' ? 'B' : 'A'));
    const bad = await root.api('PUT', '/v1/upstream/allocation', { allocation: forged });
    assert.equal(bad.status >= 400 && bad.status < 500, true);
  });

  it('a parent without a license gives nothing: its child refuses client work but keeps syncing, and serves once the parent is licensed', async () => {
    const bare = await startTestNode({
      issuerKeys,
      scope: 'centralized',
      license: false,
      entitlements: [
        { moduleId: 1001, quantity: null },
        { moduleId: 1002, quantity: 2 },
        { moduleId: 4001, quantity: 2 },
      ],
      flags: { syncIntervalMs: '150' },
    });
    nodes.push(bare);
    // Its own interval is ten minutes: it must follow the 150 ms its parent sets in every answer.
    const site = await child(bare, 'site C', { syncIntervalMs: '600000' });
    nodes.push(site);
    const list = await until(
      () => bare.api('GET', '/v1/nodes'),
      (r) => r.body.items.length === 1,
      'site C to register',
    );
    const first = list.body.items[0].lastSyncAt;
    const up = await until(
      () => site.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'unlicensed',
      'site C to hear the parent has nothing',
    );
    assert.match(up.body.message, /no license|nothing to allocate/);
    assert.equal((await acquire(site, 4001, 'm1')).body.code, 'LICENSE_MISSING');
    await until(
      () => bare.api('GET', '/v1/nodes'),
      (r) => r.body.items[0].lastSyncAt !== first,
      'site C to keep syncing',
    );
    assert.equal((await bare.api('PUT', '/v1/license', { license: bare.sign() })).status, 200);
    assert.equal(
      (await bare.api('PUT', `/v1/nodes/${list.body.items[0].id}/allocation`, { modules: { 1002: 1, 4001: 1 } }))
        .status,
      200,
    );
    await until(
      () => acquire(site, 4001, 'm1'),
      (r) => r.status === 201,
      'site C to serve',
    );
  });

  it('a blocked root gives its own subtree nothing until the License Server serves it again', async () => {
    const grants = (subordinates: number) => [
      { moduleId: 1001, quantity: null },
      { moduleId: 1002, quantity: 5 },
      { moduleId: 1003, quantity: subordinates },
      { moduleId: 2001, quantity: 10 },
      { moduleId: 4001, quantity: 4 },
    ];
    // One subordinate server left, and the root holds it: the License Server keeps none for itself, so the root is blocked.
    assert.equal((await ls.api('PUT', '/v1/license', { license: ls.sign({ entitlements: grants(1) }) })).status, 200);
    const up = await until(
      () => root.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'blocked' && r.body.allocation?.entitlements.length === 0,
      'the root to hold the withdrawal',
    );
    assert.match(up.body.message, /client work is refused/);
    assert.equal((await acquire(root, 4001, 'mgr-9')).body.code, 'SYNC_BLOCKED');
    // Its child hears that the root has nothing to give, and why.
    const below = await until(
      () => sub2.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'unlicensed',
      'site B to hear the root has nothing',
    );
    assert.match(below.body.message, /parent blocks it|blocked/);
    // The License Server's license grows again: the root is served, and so is its subtree.
    assert.equal((await ls.api('PUT', '/v1/license', { license: ls.sign({ entitlements: grants(2) }) })).status, 200);
    await until(
      () => root.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'active' && r.body.allocation?.entitlements.length > 0,
      'the root to be served again',
    );
    await until(
      () => sub2.api('GET', '/v1/upstream'),
      (r) => r.body.state === 'active',
      'site B to be served again',
    );
    // Its managers kept their slots (three, above the two it now holds): one of them is served again.
    await until(
      () => acquire(root, 4001, 'mgr-1'),
      (r) => r.status === 200 || r.status === 201,
      'the root to serve managers again',
    );
  });

  it('refuses to allocate from a static license', async () => {
    const shop = await startTestNode({ issuerKeys, scope: 'static', entitlements: [{ moduleId: 2001, quantity: 3 }] });
    nodes.push(shop);
    const leaf = await child(shop, 'kiosk');
    nodes.push(leaf);
    const list = await until(
      () => shop.api('GET', '/v1/nodes'),
      (r) => r.body.items.length === 1,
      'kiosk to register',
    );
    assert.equal(list.body.distributable, false);
    const r = await shop.api('PUT', `/v1/nodes/${list.body.items[0].id}/allocation`, { modules: { 2001: 1 } });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'SCOPE_NOT_CENTRALIZED');
    assert.match(r.body.detail, /static/);
  });
});
