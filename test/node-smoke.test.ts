import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

test('smoke: acquire and release over HTTP', async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }] });
  try {
    const a = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    const b = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(b.status, 200);
    assert.equal(b.body.leaseId, a.body.leaseId);
    await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-2' }, n.appToken);
    const c = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-3' }, n.appToken);
    assert.equal(c.status, 409);
    assert.equal(c.body.code, 'INSUFFICIENT_LICENSE');
    console.log(c.body.detail);
  } finally {
    await n.close();
  }
});
