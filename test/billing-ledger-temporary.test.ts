import assert from 'node:assert/strict';
import { test } from 'node:test';
import { account, acquire, balance, DAY, plan, topUp } from './support/billing-helpers.js';
import { FakeClock, startTestNode } from './support/test-node.js';

test('ledger as CSV (Accept: text/csv or ?format=csv)', async () => {
  const t = await startTestNode();
  try {
    const id = await account(t);
    await topUp(t, id, 1234, '=HYPERLINK("x")');
    await t.api('POST', `/v1/billing/accounts/${id}/adjustments`, {
      kind: 'adjustment',
      amount: -234,
      currency: 'EUR',
      note: 'goodwill, "rounding"',
    });
    const byHeader = await fetch(`${t.url}/v1/billing/accounts/${id}/ledger`, {
      headers: { authorization: `Bearer ${t.adminToken}`, accept: 'text/csv' },
    });
    assert.equal(byHeader.status, 200);
    assert.match(byHeader.headers.get('content-type') ?? '', /^text\/csv/);
    const csv = await byHeader.text();
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'seq,id,at,kind,amount,currency,reference,rental_id,period_index,note');
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /,topup,1234,EUR,"'=HYPERLINK\(""x""\)",,,$/, 'formula-like text is defused');
    assert.match(lines[2]!, /,adjustment,-234,EUR,,,,"goodwill, ""rounding"""$/);
    const byQuery = await t.api('GET', `/v1/billing/accounts/${id}/ledger?format=csv`);
    assert.equal(byQuery.body, csv);
    assert.equal(await balance(t, id), 1000);
    const below = await t.api('POST', `/v1/billing/accounts/${id}/adjustments`, {
      kind: 'adjustment',
      amount: -1001,
      currency: 'EUR',
    });
    assert.equal(below.status, 400);
    assert.equal(below.body.field, 'amount');
  } finally {
    await t.close();
  }
});

test('temporary license: issued by an admin, extended (same id), installed on its own node at once', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const issued = await t.api('POST', '/v1/licenses', {
      customerName: 'Cafe',
      hardwareKey: t.hardwareKey,
      scope: 'static',
      entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 1 }],
      until: '2026-06-03T00:00:00Z',
      keySource: 'any',
    });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    assert.equal(issued.body.installedHere, true);
    const id = issued.body.payload.id;
    assert.equal((await acquire(t, 'pc-1')).status, 201);
    const extended = await t.api('POST', `/v1/licenses/${id}/extend`, { until: '2026-07-01' });
    assert.equal(extended.status, 200, JSON.stringify(extended.body));
    assert.equal(extended.body.payload.id, id);
    assert.equal(extended.body.payload.notAfter, '2026-07-01T00:00:00.000Z');
    assert.equal(extended.body.installedHere, true);
    clock.advance(10 * DAY);
    assert.equal((await acquire(t, 'pc-2')).status, 201, 'still valid after the original end');
    clock.advance(30 * DAY);
    assert.equal((await acquire(t, 'pc-3')).body.code, 'LICENSE_EXPIRED');

    const earlier = await t.api('POST', `/v1/licenses/${id}/extend`, { until: '2026-08-01' });
    assert.equal(earlier.status, 200, 'an expired temporary license can be extended too');
    assert.equal((await acquire(t, 'pc-3')).status, 201);
    const notLater = await t.api('POST', `/v1/licenses/${id}/extend`, { until: '2026-07-15' });
    assert.equal(notLater.status, 400);
    assert.equal(notLater.body.field, 'until');
    assert.equal((await t.api('POST', '/v1/licenses/lic_nobody/extend', { until: '2027-01-01' })).status, 404);
  } finally {
    await t.close();
  }
});

test('a node without the issuer private key keeps accounts but cannot issue', async () => {
  const t = await startTestNode();
  try {
    const acc = await account(t);
    const pln = await plan(t);
    await topUp(t, acc, 5000, 'pay-1');
    const r = await t.api('POST', '/v1/rentals', {
      accountId: acc,
      planId: pln,
      hardwareKey: t.hardwareKey,
      keySource: 'any',
    });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'ISSUER_KEY_MISSING');
    assert.equal(await balance(t, acc), 5000);
    const unknown = await t.api('POST', '/v1/rental-plans', {
      name: 'x',
      period: 'day',
      price: 1,
      currency: 'EUR',
      entitlements: [{ moduleId: 999999 }],
    });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.field, 'entitlements');
    const badPeriod = await t.api('POST', '/v1/rental-plans', {
      name: 'x',
      period: 'year',
      price: 1,
      currency: 'EUR',
      entitlements: [{ moduleId: 4001, quantity: 1 }],
    });
    assert.equal(badPeriod.body.field, 'period');
    assert.equal((await t.api('GET', '/v1/rental-plans')).body.plans.length, 1);
  } finally {
    await t.close();
  }
});

test('license.expiring follows --rental-expiring-days', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000, flags: { rentalExpiringDays: '6' } });
  try {
    const acc = await account(t);
    const pln = await plan(t, { period: 'week' });
    await topUp(t, acc, 1000, 'pay-1');
    await t.api('POST', '/v1/rentals', { accountId: acc, planId: pln, hardwareKey: t.hardwareKey, keySource: 'any' });
    clock.advance(DAY / 2);
    assert.equal((await t.running.billing.tick()).warned, 0, 'six and a half days ahead: too early');
    clock.advance(DAY);
    assert.equal((await t.running.billing.tick()).warned, 1, 'five and a half days ahead: within six');
  } finally {
    await t.close();
  }
});
