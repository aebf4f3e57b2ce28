import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

test('a license that is not yet valid becomes valid with time alone, and the node says so', async () => {
  const clock = new FakeClock();
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }], clock, reapIntervalMs: 50 });
  try {
    // The clock goes back before notBefore (the license starts a minute before the node's "now").
    clock.advance(-10 * 60_000);
    await n.running.node.reap();
    const early = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(early.body.code, 'LICENSE_NOT_YET_VALID');
    clock.advance(10 * 60_000);
    await n.running.node.reap();
    const events = await n.api('GET', '/v1/events?type=license.activated');
    assert.equal(events.body.events.length, 1);
    const ok = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(ok.status, 201);
  } finally {
    await n.close();
  }
});
