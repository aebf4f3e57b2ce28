import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

test('a license that is not yet valid becomes valid with time alone, and the node says so', async () => {
  const clock = new FakeClock();
  // This test moves the clock back 10 minutes on purpose; a larger rollback tolerance keeps that from counting as a
  // rolled-back clock (test/node-clock-rollback.test.ts covers that).
  const n = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 1 }],
    clock,
    reapIntervalMs: 50,
    flags: { clockRollbackToleranceMs: String(3_600_000) },
  });
  try {
    // The clock goes back before notBefore (the license starts a minute before the node's "now").
    clock.advance(-10 * 60_000);
    await n.running.node.reaper.reap();
    const early = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(early.body.code, 'LICENSE_NOT_YET_VALID');
    clock.advance(10 * 60_000);
    await n.running.node.reaper.reap();
    const events = await n.api('GET', '/v1/events?type=license.activated');
    assert.equal(events.body.events.length, 1);
    const ok = await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken);
    assert.equal(ok.status, 201);
  } finally {
    await n.close();
  }
});
