// A signed allocation document cannot be called back: a site serves on it offline until its window ends. So what a
// parent hands out stays counted until then — lowering a share, or forgetting the site, frees nothing earlier.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { startTestNode, type TestNode } from './support/test-node.js';
import { until } from './support/until.js';

test('a share taken back, or a site forgotten, frees only once the documents it holds have ended — across a restart too', async () => {
  const issuerKeys = generateKeyPairSync('ed25519');
  const window = '4000';
  const entitlements = [
    { moduleId: 1001, quantity: null },
    { moduleId: 1002, quantity: 2 },
    { moduleId: 4001, quantity: 5 },
  ];
  let ls = await startTestNode({
    issuerKeys,
    scope: 'centralized',
    entitlements,
    flags: { syncIntervalMs: '150', allocationWindowMs: window },
  });
  const sites: TestNode[] = [];
  try {
    for (const name of ['Site A', 'Site B']) {
      const token = (await ls.api('POST', '/v1/tokens', { role: 'node', name })).body.secret;
      sites.push(
        await startTestNode({
          issuerKeys,
          license: false,
          flags: { upstreamUrl: ls.url, upstreamToken: token, nodeName: name, syncIntervalMs: '150' },
        }),
      );
    }
    const nodes = await until(
      () => ls.api('GET', '/v1/nodes'),
      (r) => r.body.items?.length === 2,
      'both sites to register',
    );
    const idOf = (name: string) => nodes.body.items.find((i: { name: string }) => i.name === name).id as string;
    const put = (id: string, modules: Record<string, number>) =>
      ls.api('PUT', `/v1/nodes/${id}/allocation`, { modules });
    assert.equal((await put(idOf('Site A'), { 1002: 1, 4001: 5 })).status, 200);
    await until(
      () => (sites[0] as TestNode).api('GET', '/v1/upstream'),
      (r) => r.body.allocation?.entitlements?.length === 2,
      'Site A to take its document',
    );
    // The licensee keeps the document (it could install it by hand later), then moves the share to Site B.
    const kept = await ls.api('GET', `/v1/nodes/${idOf('Site A')}/allocation-document`);
    assert.equal(kept.status, 200);
    assert.equal((await put(idOf('Site A'), { 1002: 1, 4001: 0 })).status, 200);
    const moved = await put(idOf('Site B'), { 1002: 1, 4001: 5 });
    assert.equal(moved.body.code, 'ALLOCATION_EXCEEDED', JSON.stringify(moved.body));
    // Forgetting Site A frees nothing earlier either, and neither does restarting the parent.
    assert.equal((await ls.api('DELETE', `/v1/nodes/${idOf('Site A')}`)).status, 200);
    assert.equal((await put(idOf('Site B'), { 1002: 1, 4001: 5 })).body.code, 'ALLOCATION_EXCEEDED');
    const dataDir = ls.dataDir;
    await ls.running.close();
    ls = await startTestNode({
      issuerKeys,
      scope: 'centralized',
      entitlements,
      dataDir,
      hardwareKey: ls.hardwareKey,
      flags: { syncIntervalMs: '150', allocationWindowMs: window },
    });
    assert.equal(
      (await put(idOf('Site B'), { 1002: 1, 4001: 5 })).body.code,
      'ALLOCATION_EXCEEDED',
      'still counted after a restart',
    );
    // Once Site A's documents have ended, the share is free.
    await until(
      () => put(idOf('Site B'), { 1002: 1, 4001: 5 }),
      (r) => r.status === 200,
      "Site A's documents to end",
      { ms: 12_000, pollMs: 250 },
    );
  } finally {
    for (const s of sites) await s.close();
    await ls.close();
  }
});
