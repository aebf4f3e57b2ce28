import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isOperationAllowed, reportQuota, setPoolQuantity } from '@licensor/core';
import { manager, processing, T0 } from './admission-fixtures.js';

describe('DEGRADE quota', () => {
  test('within quota: state ok, everything allowed, no event on the first ok report', () => {
    const pool = processing(10);
    const d = reportQuota(pool, { count: 10 }, T0);
    assert.deepEqual(d.outcome, {
      ok: true,
      value: {
        state: 'ok',
        count: 10,
        quantity: 10,
        allowed: ['debit-existing-account', 'accept-new-data', 'send-new-data'],
        refused: [],
      },
    });
    assert.deepEqual(d.changes, [
      { kind: 'quota.put', quota: { moduleId: 4003, count: 10, reportedAt: T0, state: 'ok' } },
    ]);
    assert.deepEqual(d.events, []);
    assert.deepEqual(isOperationAllowed(pool, 'accept-new-data'), { ok: true, value: true });
  });

  test('over quota: quota.exceeded once, refused operations fail with a readable message', () => {
    const pool = processing(10);
    reportQuota(pool, { count: 3 }, T0);
    const d = reportQuota(pool, { count: 12 }, T0 + 1);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.state, 'over_quota');
    assert.deepEqual(d.outcome.value.allowed, ['debit-existing-account']);
    assert.deepEqual(d.outcome.value.refused, ['accept-new-data', 'send-new-data']);
    assert.deepEqual(d.events, [
      { type: 'quota.exceeded', moduleId: 4003, subject: 'quota', data: { count: 12, quantity: 10 } },
    ]);
    assert.deepEqual(reportQuota(pool, { count: 13 }, T0 + 2).events, []);

    const refused = isOperationAllowed(pool, 'accept-new-data');
    assert.ok(!refused.ok);
    assert.equal(refused.code, 'QUOTA_EXCEEDED');
    assert.equal(
      refused.message,
      "Processing Center: over quota (13 of 10): 'accept-new-data' is refused; debits on existing accounts are still allowed",
    );
    assert.equal(refused.data?.count, 13);
    assert.deepEqual(isOperationAllowed(pool, 'debit-existing-account'), { ok: true, value: true });
  });

  test('back under quota: quota.restored', () => {
    const pool = processing(10);
    reportQuota(pool, { count: 11 }, T0);
    const d = reportQuota(pool, { count: 10 }, T0 + 1);
    assert.deepEqual(
      d.events.map((e) => e.type),
      ['quota.restored'],
    );
    assert.ok(isOperationAllowed(pool, 'send-new-data').ok);
  });

  test('the first report can already be over quota; quantity 0 and unlimited', () => {
    const zero = processing(0);
    assert.deepEqual(
      reportQuota(zero, { count: 1 }, T0).events.map((e) => e.type),
      ['quota.exceeded'],
    );
    assert.equal(reportQuota(zero, { count: 0 }, T0).outcome.ok && zero.quota?.state, 'ok');
    const unlimited = processing(null);
    const d = reportQuota(unlimited, { count: 1_000_000 }, T0);
    assert.ok(d.outcome.ok);
    assert.equal(d.outcome.value.state, 'ok');
  });

  test('a quantity change re-evaluates the last count', () => {
    const pool = processing(10);
    reportQuota(pool, { count: 12 }, T0);
    const up = setPoolQuantity(pool, 15, T0 + 100);
    assert.deepEqual(
      up.events.map((e) => e.type),
      ['quota.restored'],
    );
    assert.deepEqual(up.changes, [
      { kind: 'quota.put', quota: { moduleId: 4003, count: 12, reportedAt: T0, state: 'ok' } },
    ]);
    assert.deepEqual(setPoolQuantity(pool, 14, T0 + 200), { changes: [], events: [] });
    const down = setPoolQuantity(pool, 11, T0 + 300);
    assert.deepEqual(
      down.events.map((e) => e.type),
      ['quota.exceeded'],
    );
    assert.ok(!isOperationAllowed(pool, 'send-new-data').ok);
  });

  test('count must be a non-negative integer', () => {
    for (const count of [-1, 1.5, Number.NaN, '3' as unknown as number]) {
      const d = reportQuota(processing(10), { count }, T0);
      assert.ok(!d.outcome.ok);
      assert.equal(d.outcome.code, 'VALIDATION_FAILED');
      assert.equal(d.outcome.field, 'count');
      assert.deepEqual(d.changes, []);
    }
  });

  test('unknown operations and other strategies are refused', () => {
    const unknown = isOperationAllowed(processing(10), 'format-disk');
    assert.ok(!unknown.ok);
    assert.equal(unknown.code, 'VALIDATION_FAILED');
    assert.equal(unknown.field, 'operation');
    const kind = isOperationAllowed(manager(1), 'accept-new-data');
    assert.ok(!kind.ok);
    assert.equal(kind.code, 'MODULE_KIND_MISMATCH');
    const report = reportQuota(manager(1), { count: 1 }, T0);
    assert.ok(!report.outcome.ok);
    assert.equal(report.outcome.code, 'MODULE_KIND_MISMATCH');
  });
});
