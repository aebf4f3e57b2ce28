import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MINOR_UNITS } from '@licensor/core';
import { startTestNode } from './support/test-node.js';

test('money is exact: amounts and balances in integer minor units up to the documented maximum, refused beyond it', async () => {
  const t = await startTestNode({ flags: { rateLimitPerSecond: '0' } });
  try {
    const account = (await t.api('POST', '/v1/billing/accounts', { customerName: 'Big Spender', currency: 'EUR' }))
      .body;
    const topUp = (amount: unknown, reference: string) =>
      t.api('POST', `/v1/billing/accounts/${account.id}/topups`, { amount, currency: 'EUR', reference });
    const balance = async () => (await t.api('GET', `/v1/billing/accounts/${account.id}`)).body.balance;

    assert.equal((await topUp(MAX_MINOR_UNITS - 17, 'pay-1')).status, 201);
    assert.equal((await topUp(16, 'pay-2')).status, 201);
    assert.equal(await balance(), MAX_MINOR_UNITS - 1, 'the sum is exact to the cent');
    for (const [amount, ref] of [
      [2, 'pay-3'],
      [MAX_MINOR_UNITS + 1, 'pay-4'],
      [2 ** 53, 'pay-5'],
      [Number.MAX_SAFE_INTEGER + 2, 'pay-6'],
    ] as const) {
      const r = await topUp(amount, ref);
      assert.deepEqual([r.status, r.body.code, r.body.field], [400, 'AMOUNT_OUT_OF_RANGE', 'amount'], `${amount}`);
    }
    for (const bad of ['100', 1.5, null, true, Number.POSITIVE_INFINITY]) {
      const r = await t.api('POST', `/v1/billing/accounts/${account.id}/topups`, {
        amount: bad,
        currency: 'EUR',
        reference: 'pay-x',
      });
      assert.equal(r.status, 400, JSON.stringify(bad));
    }
    const adjust = await t.api('POST', `/v1/billing/accounts/${account.id}/adjustments`, {
      kind: 'adjustment',
      amount: 5,
      currency: 'EUR',
    });
    assert.deepEqual([adjust.status, adjust.body.code], [400, 'AMOUNT_OUT_OF_RANGE']);
    assert.equal(await balance(), MAX_MINOR_UNITS - 1, 'refused amounts moved nothing');
    const ledger = (await t.api('GET', `/v1/billing/accounts/${account.id}/ledger`)).body.entries;
    assert.deepEqual(
      ledger.map((e: { amount: number }) => e.amount),
      [MAX_MINOR_UNITS - 17, 16],
    );
    const plan = await t.api('POST', '/v1/rental-plans', {
      name: 'Huge',
      period: 'month',
      price: MAX_MINOR_UNITS + 1,
      currency: 'EUR',
      entitlements: [{ moduleId: 4001, quantity: 1 }],
    });
    assert.deepEqual([plan.status, plan.body.code], [400, 'AMOUNT_OUT_OF_RANGE']);
  } finally {
    await t.close();
  }
});
