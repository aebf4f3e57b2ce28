import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

// Seed: OpenService.Manager — a client connecting beyond the licensed number is told that connections are exceeded.
test('Manager (4001, REJECT_NEW): the sixth client of 5 is refused with a readable message; a release lets the next in', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  try {
    for (let i = 1; i <= 5; i++) {
      const r = await t.api('POST', '/v1/modules/4001/leases', { holderId: `manager-pc-${i}` }, t.appToken);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const sixth = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'manager-pc-6' }, t.appToken);
    assert.equal(sixth.status, 409);
    assert.match(sixth.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(sixth.body.code, 'INSUFFICIENT_LICENSE');
    assert.match(sixth.body.detail, /connections exceeded: 5 of 5 in use/);
    assert.ok(sixth.body.requestId);

    const rel = await t.api('DELETE', '/v1/modules/4001/leases/manager-pc-3', undefined, t.appToken);
    assert.equal(rel.status, 200);
    assert.equal(rel.body.released, true);
    const again = await t.api('DELETE', '/v1/modules/4001/leases/manager-pc-3', undefined, t.appToken);
    assert.equal(again.status, 200, 'releasing twice is fine');

    const next = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'manager-pc-6' }, t.appToken);
    assert.equal(next.status, 201, JSON.stringify(next.body));
    const pool = await t.api('GET', '/v1/pools/4001');
    assert.equal(pool.status, 200);
    assert.equal(pool.body.summary.used, 5);
    assert.deepEqual(
      pool.body.holders.map((h: { holderId: string }) => h.holderId),
      ['manager-pc-1', 'manager-pc-2', 'manager-pc-4', 'manager-pc-5', 'manager-pc-6'],
    );
  } finally {
    await t.close();
  }
});
