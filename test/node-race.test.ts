import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonClient } from './support/http-client.js';
import { startTestNode } from './support/test-node.js';

/** Runs `count` tasks with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

// Acquire must be atomic: no interleaving of requests may put more live holders in a pool than its quantity.
test('race: 500 concurrent acquires on a pool of 50 grant exactly 50', { timeout: 15_000 }, async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 10003, quantity: 50 }] });
  const client = new JsonClient(t.url, t.appToken, 100);
  try {
    const results = await pool(500, 500, (i) =>
      client.request('POST', '/v1/modules/10003/leases', { holderId: `device-${i}` }),
    );
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(byStatus), { 201: 50, 409: 450 });
    for (const r of results) if (r.status === 409) assert.equal(r.body.code, 'INSUFFICIENT_LICENSE');

    const granted = new Set(results.filter((r) => r.status === 201).map((r) => r.body.holderId as string));
    assert.equal(granted.size, 50);
    const detail = await t.api('GET', '/v1/pools/10003?limit=1000');
    assert.equal(detail.body.summary.used, 50);
    assert.equal(detail.body.summary.quantity, 50);
    assert.deepEqual(new Set(detail.body.holders.map((h: { holderId: string }) => h.holderId)), granted);
    const pools = await t.api('GET', '/v1/pools');
    const p = pools.body.pools.find((x: { moduleId: number }) => x.moduleId === 10003);
    assert.equal(p.used, 50);

    // Second wave: 25 holders release while 200 newcomers race for the freed slots → exactly 25 more granted.
    const leaving = [...granted].slice(0, 25);
    const wave = await Promise.all([
      ...leaving.map((h) => client.request('DELETE', `/v1/modules/10003/leases/${h}`)),
      ...Array.from({ length: 200 }, (_, i) =>
        client.request('POST', '/v1/modules/10003/leases', { holderId: `late-${i}` }),
      ),
    ]);
    assert.ok(wave.slice(0, 25).every((r) => r.status === 200));
    const late = wave.slice(25);
    const lateGranted = late.filter((r) => r.status === 201).length;
    assert.ok(lateGranted <= 25, `at most the freed slots: ${lateGranted}`);
    assert.equal(late.filter((r) => r.status !== 201 && r.status !== 409).length, 0);
    const after = await t.api('GET', '/v1/pools/10003?limit=1000');
    assert.equal(after.body.summary.used, 25 + lateGranted);
    assert.ok(after.body.summary.used <= 50);
  } finally {
    client.close();
    await t.close();
  }
});
