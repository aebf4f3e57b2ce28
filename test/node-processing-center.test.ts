import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

// Seed: OpenService.Processing Center — over the licensed number of clients with non-standard accounts, no new data
// in or out, but debits on existing accounts remain possible.
test('Processing Center (3001, DEGRADE): over the quota only debits on existing accounts work', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 3001, quantity: 100 }] });
  const op = (name: string) => t.api('GET', `/v1/modules/3001/quota/operations/${name}`, undefined, t.appToken);
  try {
    const under = await t.api('PUT', '/v1/modules/3001/quota', { count: 80 }, t.appToken);
    assert.equal(under.status, 200, JSON.stringify(under.body));
    assert.equal(under.body.state, 'ok');
    assert.equal((await op('accept-new-data')).status, 200);

    const over = await t.api('PUT', '/v1/modules/3001/quota', { count: 101 }, t.appToken);
    assert.equal(over.status, 200, JSON.stringify(over.body));
    assert.equal(over.body.state, 'over_quota');
    assert.deepEqual(over.body.allowed, ['debit-existing-account']);
    assert.deepEqual(over.body.refused.sort(), ['accept-new-data', 'send-new-data']);

    for (const refused of ['accept-new-data', 'send-new-data']) {
      const r = await op(refused);
      assert.equal(r.status, 409, refused);
      assert.equal(r.body.code, 'QUOTA_EXCEEDED');
    }
    const debit = await op('debit-existing-account');
    assert.equal(debit.status, 200);
    assert.equal(debit.body.allowed, true);

    const pool = await t.api('GET', '/v1/pools/3001');
    assert.equal(pool.body.quota.state, 'over_quota');
    assert.equal(pool.body.quota.count, 101);

    const back = await t.api('PUT', '/v1/modules/3001/quota', { count: 100 }, t.appToken);
    assert.equal(back.body.state, 'ok');
    assert.equal((await op('accept-new-data')).status, 200);

    const events = await t.api('GET', '/v1/events?type=quota.exceeded,quota.restored');
    assert.deepEqual(
      events.body.events.map((e: { type: string }) => e.type),
      ['quota.exceeded', 'quota.restored'],
    );

    const bad = await t.api('PUT', '/v1/modules/3001/quota', { count: -1 }, t.appToken);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'VALIDATION_FAILED');
    assert.match(bad.body.field, /count/);
  } finally {
    await t.close();
  }
});
