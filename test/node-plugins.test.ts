import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

// Syrve: pay per plugin instance — the host loads the plugin only if an instance license is free.
test('per-instance plugin (10001): the third instance of 2 is refused and the host does not load it', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 10001, quantity: 2 }] });
  try {
    assert.equal((await t.api('POST', '/v1/modules/10001/leases', { holderId: 'pos-1' }, t.appToken)).status, 201);
    assert.equal((await t.api('POST', '/v1/modules/10001/leases', { holderId: 'pos-2' }, t.appToken)).status, 201);
    const third = await t.api('POST', '/v1/modules/10001/leases', { holderId: 'pos-3' }, t.appToken);
    assert.equal(third.status, 409);
    assert.equal(third.body.code, 'INSUFFICIENT_LICENSE');
    assert.match(third.body.detail, /plugin instances exceeded: 2 of 2 in use/);
    // The first host unloads the plugin: the third may load it now.
    assert.equal((await t.api('DELETE', '/v1/modules/10001/leases/pos-1', undefined, t.appToken)).status, 200);
    assert.equal((await t.api('POST', '/v1/modules/10001/leases', { holderId: 'pos-3' }, t.appToken)).status, 201);
  } finally {
    await t.close();
  }
});

// Syrve: pay per external connection — devices counted across the license, a device that vanishes must not leak.
test('per-connection slots (10003): same device twice = one slot; crash and re-acquire keeps it; a vanished device is freed by TTL', async () => {
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [
      { moduleId: 10003, quantity: 2 },
      { moduleId: 10002, quantity: null },
    ],
    clock,
  });
  const acquire = (holderId: string) => t.api('POST', '/v1/modules/10003/leases', { holderId }, t.appToken);
  try {
    const first = await acquire('terminal-A');
    assert.equal(first.status, 201);
    assert.equal(first.body.reacquired, false);
    const twice = await acquire('terminal-A');
    assert.equal(twice.status, 200);
    assert.equal(twice.body.leaseId, first.body.leaseId);
    assert.equal(twice.body.reacquired, true);
    assert.equal((await t.api('GET', '/v1/pools/10003')).body.summary.used, 1);

    assert.equal((await acquire('terminal-B')).status, 201);
    assert.equal((await acquire('terminal-C')).status, 409, 'the pool of 2 is full');

    // terminal-A crashes (no release) and comes back 30 s later with the same id: it keeps its slot.
    clock.advance(30_000);
    const back = await acquire('terminal-A');
    assert.equal(back.status, 200);
    assert.equal(back.body.leaseId, first.body.leaseId);

    // terminal-B vanishes; terminal-A keeps heartbeating. Past B's 60 s TTL the reaper frees B's slot.
    clock.advance(31_000);
    assert.equal(
      (
        await t.api(
          'POST',
          '/v1/modules/10003/leases/terminal-A/heartbeat',
          { leaseId: first.body.leaseId },
          t.appToken,
        )
      ).status,
      200,
    );
    await t.running.node.reaper.reap();
    const pool = await t.api('GET', '/v1/pools/10003');
    assert.deepEqual(
      pool.body.holders.map((h: { holderId: string }) => h.holderId),
      ['terminal-A'],
    );
    const expired = await t.api('GET', '/v1/events?type=slot.expired');
    assert.deepEqual(
      expired.body.events.map((e: { subject: string }) => e.subject),
      ['terminal-B'],
    );
    assert.equal((await acquire('terminal-C')).status, 201);
    const gone = await t.api('POST', '/v1/modules/10003/leases/terminal-B/heartbeat', {}, t.appToken);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'LEASE_NOT_FOUND');

    // The plugin module itself is free and unlimited.
    const free = await t.api('GET', '/v1/modules/10002/enabled', undefined, t.appToken);
    assert.equal(free.status, 200);
    assert.equal(free.body.enabled, true);
    const unlicensed = await t.api('GET', '/v1/modules/10001/enabled', undefined, t.appToken);
    assert.equal(unlicensed.body.enabled, false);
    assert.equal(unlicensed.body.code, 'MODULE_NOT_LICENSED');
  } finally {
    await t.close();
  }
});
