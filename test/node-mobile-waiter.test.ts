import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

/** Heartbeats every 30 s keep a lease alive (TTL 60 s). */
const STEP = 30_000;

// Seed: OpenService.Mobile Waiter — beyond the licensed number the last ones cannot connect; the service can evict
// inactive applications (policy EVICT_INACTIVE, 900 s idle threshold, 60 s heartbeat TTL).
test('Mobile Waiter (5001, EVICT_INACTIVE): refuses while nobody is idle 900 s, then evicts the idle-longest holder', async () => {
  const clock = new FakeClock();
  const t = await startTestNode({ entitlements: [{ moduleId: 5001, quantity: 3 }], clock });
  const acquire = (holderId: string) => t.api('POST', '/v1/modules/5001/leases', { holderId }, t.appToken);
  const beat = (holderId: string, active: boolean) =>
    t.api('POST', `/v1/modules/5001/leases/${holderId}/heartbeat`, { active }, t.appToken);
  try {
    // waiter-1 first, then waiter-2 and waiter-3 a minute later: waiter-1 is the one idle longest.
    assert.equal((await acquire('waiter-1')).status, 201);
    clock.advance(STEP);
    assert.equal((await acquire('waiter-2')).status, 201);
    assert.equal((await acquire('waiter-3')).status, 201);
    assert.equal(
      (await beat('waiter-1', false)).status,
      200,
      'a heartbeat without activity keeps the lease but not the activity time',
    );

    // Five minutes on, everybody heartbeats (alive), nobody reports activity except waiter-3.
    for (let i = 0; i < 10; i++) {
      clock.advance(STEP);
      assert.equal((await beat('waiter-1', false)).status, 200);
      assert.equal((await beat('waiter-2', false)).status, 200);
      assert.equal((await beat('waiter-3', true)).status, 200);
    }
    const early = await acquire('waiter-4');
    assert.equal(early.status, 409, 'nobody idle past 900 s yet');
    assert.equal(early.body.code, 'INSUFFICIENT_LICENSE');
    assert.match(early.body.detail, /connections exceeded: 3 of 3 in use/);
    assert.match(early.body.detail, /none idle/);

    // Keep everybody alive until waiter-1 has been idle for more than 15 minutes; waiter-3 stays active throughout.
    for (let i = 0; i < 20; i++) {
      clock.advance(STEP);
      assert.equal((await beat('waiter-1', false)).status, 200);
      assert.equal((await beat('waiter-2', false)).status, 200);
      assert.equal((await beat('waiter-3', true)).status, 200);
    }
    // waiter-1 idle 16 min, waiter-2 idle 15 min, waiter-3 idle 0.
    const newcomer = await acquire('waiter-4');
    assert.equal(newcomer.status, 201, JSON.stringify(newcomer.body));

    const evicted = await beat('waiter-1', true);
    assert.equal(evicted.status, 410);
    assert.equal(evicted.body.code, 'LEASE_EVICTED');
    assert.match(evicted.body.detail, /waiter-4/);

    // waiter-3 (active heartbeats) is never the victim; the next newcomer takes waiter-2's slot (idle past 900 s).
    const fifth = await acquire('waiter-5');
    assert.equal(fifth.status, 201, JSON.stringify(fifth.body));
    assert.equal((await beat('waiter-2', false)).status, 410);
    assert.equal((await beat('waiter-3', true)).status, 200);

    // Now all holders are fresh: the next one is refused.
    assert.equal((await acquire('waiter-6')).status, 409);

    const pool = await t.api('GET', '/v1/pools/5001');
    assert.deepEqual(pool.body.holders.map((h: { holderId: string }) => h.holderId).sort(), [
      'waiter-3',
      'waiter-4',
      'waiter-5',
    ]);
    const events = await t.api('GET', '/v1/events?type=slot.evicted');
    assert.deepEqual(
      events.body.events.map((e: { subject: string }) => e.subject),
      ['waiter-1', 'waiter-2'],
    );
  } finally {
    await t.close();
  }
});

test('Mobile Waiter: holders that heartbeat with active:true are never evicted', async () => {
  const clock = new FakeClock();
  const t = await startTestNode({ entitlements: [{ moduleId: 5001, quantity: 2 }], clock });
  try {
    for (const h of ['w-a', 'w-b'])
      assert.equal((await t.api('POST', '/v1/modules/5001/leases', { holderId: h }, t.appToken)).status, 201);
    for (let i = 0; i < 40; i++) {
      clock.advance(STEP);
      for (const h of ['w-a', 'w-b'])
        assert.equal(
          (await t.api('POST', `/v1/modules/5001/leases/${h}/heartbeat`, { active: true }, t.appToken)).status,
          200,
        );
    }
    const r = await t.api('POST', '/v1/modules/5001/leases', { holderId: 'w-c' }, t.appToken);
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'INSUFFICIENT_LICENSE');
    // The default heartbeat counts as activity too (active defaults to true).
    clock.advance(STEP);
    assert.equal((await t.api('POST', '/v1/modules/5001/leases/w-a/heartbeat', undefined, t.appToken)).status, 200);
  } finally {
    await t.close();
  }
});
