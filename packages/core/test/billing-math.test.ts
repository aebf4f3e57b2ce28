import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addPeriods,
  balanceOf,
  daysInMonth,
  formatMoney,
  renewalDecision,
  sameTopUp,
  shouldWarnExpiring,
  validateCorrection,
  validateRentalPlan,
  validateTopUp,
} from '@licensor/core';

const iso = (t: number) => new Date(t).toISOString();
const at = (s: string) => Date.parse(s);
const DAY = 86_400_000;

describe('balance', () => {
  test('is the sum of signed entries in minor units', () => {
    const b = balanceOf(
      [
        { amount: 10_000, currency: 'EUR' },
        { amount: -2_999, currency: 'EUR' },
        { amount: 1, currency: 'EUR' },
      ],
      'EUR',
    );
    assert.deepEqual(b, { amount: 7_002, currency: 'EUR' });
    assert.deepEqual(balanceOf([], 'USD'), { amount: 0, currency: 'USD' });
  });
  test('refuses mixing currencies', () => {
    assert.throws(() => balanceOf([{ amount: 1, currency: 'USD' }], 'EUR'), /USD in a EUR account/);
  });
  test('formats minor units per currency exponent', () => {
    assert.equal(formatMoney({ amount: 1234, currency: 'EUR' }), '12.34 EUR');
    assert.equal(formatMoney({ amount: -5, currency: 'EUR' }), '-0.05 EUR');
    assert.equal(formatMoney({ amount: 500, currency: 'JPY' }), '500 JPY');
    assert.equal(formatMoney({ amount: 1005, currency: 'KWD' }), '1.005 KWD');
  });
  test('a refund or adjustment never takes the balance below zero', () => {
    assert.ok(validateCorrection('adjustment', -100, { amount: 100, currency: 'EUR' }).ok);
    const r = validateCorrection('adjustment', -101, { amount: 100, currency: 'EUR' });
    assert.ok(!r.ok && r.field === 'amount');
    const neg = validateCorrection('refund', -1, { amount: 100, currency: 'EUR' });
    assert.ok(!neg.ok && neg.field === 'amount', 'a refund credits the balance');
  });
});

describe('top-up validation', () => {
  test('names the field at fault', () => {
    const field = (x: Parameters<typeof validateTopUp>[0]) => {
      const r = validateTopUp(x, 'EUR');
      return r.ok ? null : r.field;
    };
    assert.equal(field({ amount: 100, currency: 'EUR', reference: 'pay-1' }), null);
    assert.equal(field({ amount: 1.5, currency: 'EUR', reference: 'pay-1' }), 'amount');
    assert.equal(field({ amount: 0, currency: 'EUR', reference: 'pay-1' }), 'amount');
    assert.equal(field({ amount: -100, currency: 'EUR', reference: 'pay-1' }), 'amount');
    assert.equal(field({ amount: '100', currency: 'EUR', reference: 'pay-1' }), 'amount');
    assert.equal(field({ amount: 100, currency: 'eur', reference: 'pay-1' }), 'currency');
    assert.equal(field({ amount: 100, currency: 'USD', reference: 'pay-1' }), 'currency');
    assert.equal(field({ amount: 100, currency: 'EUR', reference: '' }), 'reference');
    assert.equal(field({ amount: 100, currency: 'EUR' }), 'reference');
  });
  test('a repeated reference is the same payment only for the same account, amount and currency', () => {
    const rec = { accountId: 'acc_1', amount: 100, currency: 'EUR' };
    assert.equal(sameTopUp(rec, 'acc_1', { amount: 100, currency: 'EUR', reference: 'r' }), true);
    assert.equal(sameTopUp(rec, 'acc_1', { amount: 200, currency: 'EUR', reference: 'r' }), false);
    assert.equal(sameTopUp(rec, 'acc_2', { amount: 100, currency: 'EUR', reference: 'r' }), false);
  });
});

describe('period arithmetic', () => {
  test('days and weeks are fixed lengths', () => {
    assert.equal(iso(addPeriods(at('2026-03-28T10:00:00Z'), 'day', 3)), '2026-03-31T10:00:00.000Z');
    assert.equal(iso(addPeriods(at('2026-12-28T00:00:00Z'), 'week', 1)), '2027-01-04T00:00:00.000Z');
  });
  test('months are calendar months clamped to the month end, keeping the time of day', () => {
    const jan31 = at('2027-01-31T12:30:00Z');
    assert.equal(iso(addPeriods(jan31, 'month', 1)), '2027-02-28T12:30:00.000Z');
    assert.equal(
      iso(addPeriods(jan31, 'month', 2)),
      '2027-03-31T12:30:00.000Z',
      'counted from the anchor: no drift to the 28th',
    );
    assert.equal(iso(addPeriods(jan31, 'month', 3)), '2027-04-30T12:30:00.000Z');
    assert.equal(iso(addPeriods(jan31, 'month', 12)), '2028-01-31T12:30:00.000Z');
    assert.equal(
      iso(addPeriods(at('2026-11-15T00:00:00Z'), 'month', 2)),
      '2027-01-15T00:00:00.000Z',
      'across a year end',
    );
  });
  test('leap years: Feb 29 exists in 2028, not in 2027 or 2100, but in 2000', () => {
    assert.equal(iso(addPeriods(at('2028-01-31T00:00:00Z'), 'month', 1)), '2028-02-29T00:00:00.000Z');
    assert.equal(iso(addPeriods(at('2028-02-29T00:00:00Z'), 'month', 12)), '2029-02-28T00:00:00.000Z');
    assert.equal(iso(addPeriods(at('2028-02-29T00:00:00Z'), 'month', 48)), '2032-02-29T00:00:00.000Z');
    assert.equal(daysInMonth(2100, 1), 28);
    assert.equal(daysInMonth(2000, 1), 29);
    assert.equal(daysInMonth(2027, 1), 28);
  });
  test('zero periods is the anchor; negative counts are refused', () => {
    assert.equal(addPeriods(123, 'month', 0), 123);
    assert.throws(() => addPeriods(0, 'day', -1));
  });
});

describe('renewal decision', () => {
  const plan = { price: 1000, graceMs: 3 * DAY };
  const end = at('2026-07-01T00:00:00Z');
  test('nothing to do before the period end', () => {
    assert.deepEqual(renewalDecision(plan, 0, end, end - 1), { kind: 'none' });
  });
  test('at the period end, a sufficient balance renews from the old end (no gap)', () => {
    assert.deepEqual(renewalDecision(plan, 1000, end, end), {
      kind: 'renew',
      amount: 1000,
      from: end,
      continuous: true,
    });
    assert.deepEqual(renewalDecision(plan, 5000, end, end + DAY, 'grace'), {
      kind: 'renew',
      amount: 1000,
      from: end,
      continuous: true,
    });
  });
  test('an insufficient balance gives the grace period, then lapses', () => {
    assert.deepEqual(renewalDecision(plan, 999, end, end), { kind: 'grace', until: end + 3 * DAY });
    assert.deepEqual(renewalDecision(plan, 999, end, end + 3 * DAY - 1, 'grace'), {
      kind: 'grace',
      until: end + 3 * DAY,
    });
    assert.deepEqual(renewalDecision(plan, 999, end, end + 3 * DAY, 'grace'), { kind: 'lapse' });
    assert.deepEqual(renewalDecision({ price: 1000, graceMs: 0 }, 0, end, end), { kind: 'lapse' });
  });
  test('a lapsed rental revived by a top-up starts a fresh period now', () => {
    const now = end + 10 * DAY;
    assert.deepEqual(renewalDecision(plan, 1000, end, now, 'lapsed'), {
      kind: 'renew',
      amount: 1000,
      from: now,
      continuous: false,
    });
    assert.deepEqual(renewalDecision(plan, 10, end, now, 'lapsed'), { kind: 'lapse' });
  });
  test('expiring warning: once per period, within the lead time, only when the balance is short', () => {
    assert.equal(shouldWarnExpiring(plan, 999, end, end - DAY, 3 * DAY, 0, -1), true);
    assert.equal(shouldWarnExpiring(plan, 999, end, end - DAY, 3 * DAY, 0, 0), false, 'already warned');
    assert.equal(shouldWarnExpiring(plan, 1000, end, end - DAY, 3 * DAY, 0, -1), false, 'balance covers it');
    assert.equal(shouldWarnExpiring(plan, 0, end, end - 4 * DAY, 3 * DAY, 0, -1), false, 'too early');
  });
});

describe('rental plan validation', () => {
  test('accepts a plan and names the field of a bad one', () => {
    const good = {
      name: 'Manager monthly',
      period: 'month',
      price: 4900,
      currency: 'EUR',
      entitlements: [{ moduleId: 4001, quantity: 5 }],
    };
    const r = validateRentalPlan(good);
    assert.ok(r.ok);
    assert.equal(r.value.graceMs, 0);
    const field = (x: object) => {
      const v = validateRentalPlan({ ...good, ...x });
      return v.ok ? null : v.field;
    };
    assert.equal(field({ period: 'year' }), 'period');
    assert.equal(field({ price: 0 }), 'price');
    assert.equal(field({ price: 49.5 }), 'price');
    assert.equal(field({ currency: 'euro' }), 'currency');
    assert.equal(field({ graceMs: -1 }), 'graceMs');
    assert.equal(field({ entitlements: [] }), 'entitlements');
    assert.equal(field({ entitlements: [{ moduleId: 4001 }, { moduleId: 4001 }] }), 'entitlements.1.moduleId');
    assert.equal(field({ entitlements: [{ moduleId: 4001, quantity: 0 }] }), 'entitlements.0.quantity');
  });
});

test('a late scheduler renews from the old period end: no drift', () => {
  const end = Date.parse('2026-07-01T00:00:00Z');
  assert.deepEqual(renewalDecision({ price: 1, graceMs: 0 }, 1, end, end + 150), {
    kind: 'renew',
    amount: 1,
    from: end,
    continuous: true,
  });
});

test('amounts people type are parsed into minor units exactly', async () => {
  const { parseMoney } = await import('@licensor/core');
  assert.deepEqual(parseMoney('49.90', 'EUR'), { ok: true, value: 4990 });
  assert.deepEqual(parseMoney('50', 'EUR'), { ok: true, value: 5000 });
  assert.deepEqual(parseMoney('0.1', 'EUR'), { ok: true, value: 10 });
  assert.deepEqual(parseMoney('1500', 'JPY'), { ok: true, value: 1500 });
  for (const bad of ['12.345', '-1', '1e3', '', '0', '1,50']) assert.equal(parseMoney(bad, 'EUR').ok, false, bad);
  assert.equal(parseMoney('1.5', 'JPY').ok, false);
});
