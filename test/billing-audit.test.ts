import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

test('money movements are in the audit log, written with the ledger entry, with who did them', async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const account = (await n.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Audit', currency: 'EUR' })).body.id as string;
    assert.equal((await n.api('POST', `/v1/billing/accounts/${account}/topups`, { amount: 5000, currency: 'EUR', reference: 'pay-1' })).status, 201);
    assert.equal((await n.api('POST', `/v1/billing/accounts/${account}/topups`, { amount: 5000, currency: 'EUR', reference: 'pay-1' })).status, 200);
    assert.equal((await n.api('POST', `/v1/billing/accounts/${account}/adjustments`, { kind: 'refund', amount: 1000, currency: 'EUR', note: 'goodwill' })).status, 201);
    const audit = (await n.api('GET', '/v1/audit?limit=1000')).body.entries as { action: string; target: string; actor: { name: string }; details: Record<string, unknown> }[];
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
