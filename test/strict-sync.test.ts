import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

const hw = (i: number) => i.toString(16).padStart(64, 'a');
const syncBody = (i: number, children: unknown[] = []) => ({
  hardwareKey: hw(i),
  name: `site ${i}`,
  countedAs: null,
  publicKey: 'ed25519:test',
  allocationSeq: null,
  licenseState: 'missing',
  usage: [],
  children,
});
const reported = (i: number, children: unknown[] = []) => ({
  id: `node_${i}`,
  name: `below ${i}`,
  hardwareKey: hw(1000 + i),
  countedAs: null,
  state: 'active',
  message: 'ok',
  licenseState: 'valid',
  registeredAt: '2026-06-01T00:00:00.000Z',
  lastSyncAt: '2026-06-01T00:00:00.000Z',
  online: true,
  allocation: { seq: 1, modules: { 2001: 2 }, updatedAt: null },
  usage: [{ moduleId: 2001, quantity: 2, used: 1, blocked: 0 }],
  children,
});

test('node sync: a refused sync (nesting, size, unknown fields, wrong types) registers nothing and writes no event', async () => {
  const t = await startTestNode({
    scope: 'centralized',
    entitlements: [{ moduleId: 2001, quantity: 6 }],
    flags: { rateLimitPerSecond: '0' },
  });
  try {
    const nodeToken = (await t.api('POST', '/v1/tokens', { role: 'node', name: 'sites' })).body.secret as string;
    const events = async () => (await t.api('GET', '/v1/events?limit=1000')).body.events.length;
    const before = { events: await events(), nodes: (await t.api('GET', '/v1/nodes')).body.items.length };

    let deepTree: unknown[] = [];
    for (let i = 0; i < 9; i++) deepTree = [reported(i, deepTree)];
    const refused: [string, unknown][] = [
      ['a subtree deeper than 8 levels', syncBody(2, deepTree)],
      ['arbitrary JSON stored in a reported node', syncBody(3, [{ ...reported(1), blob: 'x'.repeat(100_000) }])],
      ['a reported node with an unknown field', syncBody(4, [{ ...reported(1), extra: 1 }])],
      ['a name past its length', { ...syncBody(5), name: 'n'.repeat(201) }],
      ['a message past its length', syncBody(6, [{ ...reported(1), message: 'm'.repeat(1001) }])],
      ['usage counted as text', { ...syncBody(7), usage: [{ moduleId: 2001, quantity: '2', used: 1, blocked: 0 }] }],
      ['allocationSeq as text', { ...syncBody(8), allocationSeq: '1' }],
      ['an unknown top-level field', { ...syncBody(9), note: 'hi' }],
    ];
    // Nesting deeper than any JSON library likes to recurse, sent as text.
    for (const depth of [100, 100_000]) {
      const text = JSON.stringify(syncBody(1)).replace(
        '"children":[]',
        `"children":${'['.repeat(depth)}${']'.repeat(depth)}`,
      );
      const r = await fetch(`${t.url}/v1/nodes/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${nodeToken}`, 'content-type': 'application/json' },
        body: text,
      });
      const problem = (await r.json()) as { code: string };
      assert.deepEqual([r.status, problem.code], [400, 'VALIDATION_FAILED'], `nesting ${depth}`);
    }
    for (const [what, body] of refused) {
      const r = await t.api('POST', '/v1/nodes/sync', body, nodeToken);
      assert.deepEqual(
        [r.status, r.body.code],
        [400, 'VALIDATION_FAILED'],
        `${what}: ${JSON.stringify(r.body).slice(0, 300)}`,
      );
      assert.ok(r.body.field?.startsWith('body'), what);
    }
    assert.equal(await events(), before.events, 'no node.registered event for a refused sync');
    assert.equal(
      (await t.api('GET', '/v1/nodes')).body.items.length,
      before.nodes,
      'no child registered by a refused sync',
    );

    // A real subtree of the allowed depth is taken and shown as sent.
    let tree: unknown[] = [];
    for (let i = 0; i < 7; i++) tree = [reported(i, tree)];
    const ok = await t.api('POST', '/v1/nodes/sync', syncBody(10, tree), nodeToken);
    assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
    const listed = await t.api('GET', '/v1/nodes');
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].children[0].name, 'below 6');
  } finally {
    await t.close();
  }
});

test('node sync: one node token registers at most --max-children-per-token children; admins are not capped', async () => {
  const t = await startTestNode({
    scope: 'centralized',
    entitlements: [{ moduleId: 2001, quantity: 6 }],
    flags: { rateLimitPerSecond: '0', maxChildrenPerToken: '2' },
  });
  try {
    const nodeToken = (await t.api('POST', '/v1/tokens', { role: 'node', name: 'sites' })).body.secret as string;
    assert.equal((await t.api('POST', '/v1/nodes/sync', syncBody(1), nodeToken)).status, 200);
    assert.equal((await t.api('POST', '/v1/nodes/sync', syncBody(2), nodeToken)).status, 200);
    const third = await t.api('POST', '/v1/nodes/sync', syncBody(3), nodeToken);
    assert.deepEqual([third.status, third.body.code], [409, 'CHILD_LIMIT_REACHED']);
    assert.match(third.body.detail, /--max-children-per-token 2/);
    // The registered ones keep syncing; nothing was written for the third.
    assert.equal((await t.api('POST', '/v1/nodes/sync', syncBody(1), nodeToken)).status, 200);
    assert.equal((await t.api('GET', '/v1/nodes')).body.items.length, 2);
    const registered = (await t.api('GET', '/v1/events?type=node.registered')).body.events.length;
    assert.equal(registered, 2);
    // Forgetting one frees its place.
    const first = (await t.api('GET', '/v1/nodes')).body.items.find((n: { name: string }) => n.name === 'site 1');
    assert.equal((await t.api('DELETE', `/v1/nodes/${first.id}`)).status, 200);
    assert.equal((await t.api('POST', '/v1/nodes/sync', syncBody(3), nodeToken)).status, 200);
    assert.equal((await t.api('POST', '/v1/nodes/sync', syncBody(4))).status, 200, 'an admin token is not capped');
  } finally {
    await t.close();
  }
});
