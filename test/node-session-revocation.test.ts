import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LicensingClient } from '@licensor/sdk';
import { startTestNode } from './support/test-node.js';

test('revoking a token ends the SDK sessions opened with it', async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 10003, quantity: 5 }] });
  const created = await n.api('POST', '/v1/tokens', { role: 'app', name: 'leaked' });
  const client = new LicensingClient({ url: n.url, token: created.body.secret, requestTimeoutMs: 3000 });
  try {
    const lease = await client.acquireSlot(10003, 'dev-1');
    assert.ok(lease.leaseId);
    assert.equal((await n.api('DELETE', `/v1/tokens/${created.body.id}`)).status, 200);
    // Sessions re-check their token at most every 2 s.
    await new Promise((r) => setTimeout(r, 2300));
    await assert.rejects(client.acquireSlot(10003, 'dev-2'));
    const pool = await n.api('GET', '/v1/pools/10003');
    assert.ok(
      !pool.body.holders.some((h: { holderId: string }) => h.holderId === 'dev-2'),
      'no slot was granted to the revoked token',
    );
  } finally {
    await client.close();
    await n.close();
  }
});
