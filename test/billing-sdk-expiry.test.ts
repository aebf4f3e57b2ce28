import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LicenseExpiredError, LicensingClient } from '@licensor/sdk';
import { FakeClock, startTestNode } from './support/test-node.js';

const DAY = 86_400_000;

/** Resolves with the real milliseconds until the client hears `state` pushed (fails after `ms`). */
function pushed(client: LicensingClient, state: string, ms: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no license.state ${state} push within ${ms} ms`)), ms);
    client.on('licenseState', (s) => {
      if (s.state !== state) return;
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
  });
}

test('a lapsed rental reaches a connected SDK client within one heartbeat; a top-up revives it by push too', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 250 });
  try {
    const acc = (await t.api('POST', '/v1/billing/accounts', { customerName: 'Cafe SDK', currency: 'EUR' })).body.id;
    const plan = (
      await t.api('POST', '/v1/rental-plans', {
        name: 'Manager daily',
        period: 'day',
        price: 1000,
        currency: 'EUR',
        entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
      })
    ).body.id;
    await t.api('POST', `/v1/billing/accounts/${acc}/topups`, { amount: 1000, currency: 'EUR', reference: 'pay-1' });
    const rental = await t.api('POST', '/v1/rentals', {
      accountId: acc,
      planId: plan,
      hardwareKey: t.hardwareKey,
      keySource: 'any',
    });
    assert.equal(rental.status, 201, JSON.stringify(rental.body));

    await using client = new LicensingClient({ url: t.url, token: t.appToken });
    await using lease = await client.acquireSlot(4001, 'pc-1');
    const heartbeat = lease.heartbeatIntervalMs;
    assert.ok(heartbeat > 0);

    // The paid day ends and the balance is empty: the scheduler lapses the rental, the file's end has passed.
    const expired = pushed(client, 'expired', heartbeat);
    clock.advance(DAY + 1000);
    assert.equal((await t.running.billing.tick()).lapsed, 1);
    const tookMs = await expired;
    assert.ok(tookMs <= heartbeat, `heard in ${Math.round(tookMs)} ms, heartbeat interval ${heartbeat} ms`);
    console.log(
      `rental lapse heard by the SDK client ${Math.round(tookMs)} ms after the scheduler ran (heartbeat interval ${heartbeat} ms)`,
    );
    await assert.rejects(client.acquireSlot(4001, 'pc-2'), LicenseExpiredError);

    // A top-up renews the lapsed rental in its transaction and installs the new file: the client hears it at once.
    const valid = pushed(client, 'valid', heartbeat);
    const revived = await t.api('POST', `/v1/billing/accounts/${acc}/topups`, {
      amount: 1000,
      currency: 'EUR',
      reference: 'pay-2',
    });
    assert.deepEqual(revived.body.renewed, [rental.body.id]);
    assert.ok((await valid) <= heartbeat);
    await using again = await client.acquireSlot(4001, 'pc-2');
    assert.equal(again.holderId, 'pc-2');
  } finally {
    await t.close();
  }
});
