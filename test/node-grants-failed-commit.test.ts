import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode, type TestNode } from './support/test-node.js';

type MemberRow = { memberId: string; state: string };

const sync = (t: TestNode, id: string) => t.api('PUT', `/v1/modules/2001/members/${id}`, {}, t.appToken);

async function states(t: TestNode): Promise<Record<string, string>> {
  const pool = await t.api('GET', '/v1/pools/2001');
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  return Object.fromEntries((pool.body.members as MemberRow[]).map((m) => [m.memberId, m.state]));
}

/** Makes the store's next commit fail as a full disk does; later commits go through. */
function failNextCommit(t: TestNode): void {
  const store = t.running.node.store;
  const commit = store.commit.bind(store);
  store.commit = async () => {
    store.commit = commit;
    throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  };
}

// A lower quantity whose commit fails must still take effect: memory goes back to the stored member states, and the
// pool is settled again at the next operation, even one that changes nothing (a register re-syncing its profile).
test('a lowered quantity whose commit failed blocks the latest registers at the next sync', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 2001, quantity: 3 }] });
  try {
    for (const id of ['reg-1', 'reg-2', 'reg-3']) assert.equal((await sync(t, id)).body.state, 'active', id);

    failNextCommit(t);
    const install = await t.api('PUT', '/v1/license', {
      license: t.sign({ entitlements: [{ moduleId: 2001, quantity: 1 }] }),
    });
    assert.ok(install.status >= 500, `the failed commit is not answered as a success: ${JSON.stringify(install.body)}`);

    const again = await sync(t, 'reg-3');
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.state, 'blocked');
    assert.equal(again.body.quantity, 1);
    assert.deepEqual(await states(t), { 'reg-1': 'active', 'reg-2': 'blocked', 'reg-3': 'blocked' });
  } finally {
    await t.close();
  }
});

test('a failed acquire leaves no pool unsettled for long: the next operation settles it and nothing changes', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 2001, quantity: 2 }] });
  try {
    for (const id of ['reg-1', 'reg-2', 'reg-3']) await sync(t, id);
    failNextCommit(t);
    assert.ok((await sync(t, 'reg-4')).status >= 500);
    assert.deepEqual(await states(t), { 'reg-1': 'active', 'reg-2': 'active', 'reg-3': 'blocked' });
    assert.equal((await sync(t, 'reg-4')).body.state, 'blocked');
    assert.equal(t.running.node.pools.unsettled.size, 0);
  } finally {
    await t.close();
  }
});
