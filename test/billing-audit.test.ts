import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

test('money movements are in the audit log, written with the ledger entry, with who did them', async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const account = (await n.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Audit', currency: 'EUR' })).body
      .id as string;
    assert.equal(
      (
        await n.api('POST', `/v1/billing/accounts/${account}/topups`, {
          amount: 5000,
          currency: 'EUR',
          reference: 'pay-1',
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await n.api('POST', `/v1/billing/accounts/${account}/topups`, {
          amount: 5000,
          currency: 'EUR',
          reference: 'pay-1',
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await n.api('POST', `/v1/billing/accounts/${account}/adjustments`, {
          kind: 'refund',
          amount: 1000,
          currency: 'EUR',
          note: 'goodwill',
        })
      ).status,
      201,
    );
    const audit = (await n.api('GET', '/v1/audit?limit=1000')).body.entries as {
      action: string;
      target: string;
      actor: { name: string };
      details: Record<string, unknown>;
    }[];
    const money = audit.filter((e) => e.action.startsWith('billing.'));
    assert.deepEqual(
      money.map((e) => e.action),
      ['billing.topped_up', 'billing.refund'],
      'the duplicate top-up moved no money and is not audited again',
    );
    assert.ok(money.every((e) => e.target === account && e.actor.name === 'bootstrap'));
    assert.equal(money[0]?.details.reference, 'pay-1');
  } finally {
    await n.close();
  }
});

test('plans created and changed, rentals started, licenses issued and extended are audited in their own transaction', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const n = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const account = (await n.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Audit', currency: 'EUR' })).body
      .id as string;
    await n.api('POST', `/v1/billing/accounts/${account}/topups`, {
      amount: 5000,
      currency: 'EUR',
      reference: 'pay-1',
    });
    const plan = (
      await n.api('POST', '/v1/rental-plans', {
        name: 'Manager daily',
        period: 'day',
        price: 1000,
        currency: 'EUR',
        entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
      })
    ).body.id as string;
    const changed = await n.api('PATCH', `/v1/rental-plans/${plan}`, { price: 1200, graceMs: 86_400_000 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.price, 1200);
    assert.equal(changed.body.period, 'day');
    const unchanged = await n.api('PATCH', `/v1/rental-plans/${plan}`, { price: 1200 });
    assert.equal(unchanged.status, 200);
    assert.equal((await n.api('PATCH', `/v1/rental-plans/${plan}`, { price: -5 })).body.field, 'price');
    assert.equal(
      (await n.api('PATCH', `/v1/rental-plans/${plan}`, { period: 'month' })).status,
      400,
      'the period never changes',
    );
    assert.equal((await n.api('PATCH', '/v1/rental-plans/pln_nobody', { price: 1 })).status, 404);
    const rental = await n.api('POST', '/v1/rentals', {
      accountId: account,
      planId: plan,
      hardwareKey: 'c'.repeat(64),
      keySource: 'any',
    });
    assert.equal(rental.status, 201, JSON.stringify(rental.body));
    assert.equal(
      (await n.api('GET', `/v1/billing/accounts/${account}`)).body.balance,
      3800,
      'the new price is charged',
    );
    const temp = await n.api('POST', '/v1/licenses', {
      customerName: 'Cafe',
      hardwareKey: 'd'.repeat(64),
      scope: 'static',
      entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 1 }],
      until: '2026-07-01',
      keySource: 'any',
    });
    const licenseId = temp.body.payload.id as string;
    assert.equal((await n.api('POST', `/v1/licenses/${licenseId}/extend`, { until: '2026-08-01' })).status, 200);
    // A refused extension changes nothing and is not audited.
    assert.equal((await n.api('POST', `/v1/licenses/${licenseId}/extend`, { until: '2026-07-15' })).status, 400);

    const audit = (await n.api('GET', '/v1/audit?limit=1000')).body.entries as {
      action: string;
      target: string;
      actor: { name: string };
      details: Record<string, unknown>;
    }[];
    const mine = audit.filter((e) =>
      ['rental_plan.created', 'rental_plan.changed', 'rental.started', 'license.issued', 'license.extended'].includes(
        e.action,
      ),
    );
    assert.deepEqual(
      mine.map((e) => [e.action, e.target]),
      [
        ['rental_plan.created', plan],
        ['rental_plan.changed', plan],
        ['rental.started', rental.body.id],
        ['license.issued', licenseId],
        ['license.extended', licenseId],
      ],
    );
    assert.ok(
      mine.every((e) => e.actor.name === 'bootstrap'),
      'who did it',
    );
    assert.deepEqual(mine[1]?.details, { price: { from: 1000, to: 1200 }, graceMs: { from: 0, to: 86_400_000 } });
    assert.equal(mine[2]?.details.licenseId, rental.body.licenseId);
    assert.equal(mine[4]?.details.notAfter, '2026-08-01T00:00:00.000Z');
  } finally {
    await n.close();
  }
});
