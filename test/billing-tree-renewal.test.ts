import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { FakeClock, startTestNode, type TestNode } from './support/test-node.js';
import { until } from './support/until.js';

// Issue 6 item 4: a customer's node that syncs with the vendor's node (--upstream) picks up its rental license, every
// renewal and the revival after a lapse from the parent, without restart.

const DAY = 86_400_000;

test("a customer's node takes its rental, each renewal and the revival from the vendor's node it syncs with", async () => {
  const issuerKeys = generateKeyPairSync('ed25519');
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const nodes: TestNode[] = [];
  try {
    const vendor = await startTestNode({
      issuer: true,
      issuerKeys,
      clock,
      reapIntervalMs: 60_000,
      flags: { syncIntervalMs: '100' },
    });
    nodes.push(vendor);
    const token = await vendor.api('POST', '/v1/tokens', { role: 'node', name: 'cafe sync' });
    assert.equal(token.status, 201, JSON.stringify(token.body));
    const cafe = await startTestNode({
      issuerKeys,
      clock,
      reapIntervalMs: 100,
      flags: { upstreamUrl: vendor.url, upstreamToken: token.body.secret, nodeName: 'cafe', syncIntervalMs: '100' },
    });
    nodes.push(cafe);
    const license = () => cafe.api('GET', '/v1/license');
    const acquire = (holderId: string) => cafe.api('POST', '/v1/modules/4001/leases', { holderId }, cafe.appToken);

    const acc = (await vendor.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Tree', currency: 'EUR' })).body
      .id;
    const plan = (
      await vendor.api('POST', '/v1/rental-plans', {
        name: 'Manager daily',
        period: 'day',
        price: 1000,
        currency: 'EUR',
        entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
      })
    ).body.id;
    await vendor.api('POST', `/v1/billing/accounts/${acc}/topups`, {
      amount: 2000,
      currency: 'EUR',
      reference: 'pay-1',
    });
    const rental = await vendor.api('POST', '/v1/rentals', {
      accountId: acc,
      planId: plan,
      hardwareKey: cafe.hardwareKey,
      keySource: 'any',
    });
    assert.equal(rental.status, 201, JSON.stringify(rental.body));
    assert.equal(rental.body.installedHere, false, 'the file is for the customer, not the vendor');

    await until(license, (r) => r.body.license?.id === rental.body.licenseId, 'the first file to reach the customer');
    assert.equal((await acquire('pc-1')).status, 201);

    clock.advance(DAY);
    assert.equal((await vendor.running.billing.tick()).renewed, 1);
    const renewed = (await vendor.api('GET', `/v1/rentals/${rental.body.id}`)).body;
    const got = await until(
      license,
      (r) => r.body.license?.notAfter === renewed.notAfter,
      'the renewal to reach the customer',
    );
    assert.equal(got.body.state.state, 'valid');
    assert.equal((await acquire('pc-2')).status, 201, 'past the first end, on the renewed file, no restart');

    clock.advance(DAY);
    assert.equal((await vendor.running.billing.tick()).lapsed, 1);
    assert.equal((await acquire('pc-3')).body.code, 'LICENSE_EXPIRED', 'the lapse is felt at once');

    const revived = await vendor.api('POST', `/v1/billing/accounts/${acc}/topups`, {
      amount: 1000,
      currency: 'EUR',
      reference: 'pay-2',
    });
    assert.deepEqual(revived.body.renewed, [rental.body.id]);
    const after = (await vendor.api('GET', `/v1/rentals/${rental.body.id}`)).body;
    await until(license, (r) => r.body.license?.notAfter === after.notAfter, 'the revival to reach the customer');
    assert.equal((await acquire('pc-3')).status, 201);
    const installs = (await cafe.api('GET', '/v1/audit?limit=1000')).body.entries.filter(
      (e: { action: string }) => e.action === 'license.installed',
    );
    assert.equal(installs.length, 3, 'first file, renewal, revival: each installed once');
    assert.ok(installs.every((e: { actor: { name: string } }) => e.actor.name === 'upstream sync'));
  } finally {
    for (const n of nodes.reverse()) await n.close();
  }
});
