import assert from 'node:assert/strict';
import { test } from 'node:test';
import { account, acquire, balance, DAY, plan, topUp } from './support/billing-helpers.js';
import { FakeClock, startTestNode } from './support/test-node.js';

test('top-up is idempotent by payment reference; bad input names the field and writes nothing', async () => {
  const t = await startTestNode();
  try {
    const id = await account(t);
    const first = await topUp(t, id, 5000, 'pay-0001');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.duplicate, false);
    assert.equal(first.body.account.balance, 5000);
    assert.equal(first.body.account.balanceText, '50.00 EUR');
    const again = await topUp(t, id, 5000, 'pay-0001');
    assert.equal(again.status, 200);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.entry.id, first.body.entry.id);
    // Concurrent retries of one payment are recorded once too.
    const burst = await Promise.all(Array.from({ length: 8 }, () => topUp(t, id, 700, 'pay-0002')));
    assert.equal(burst.filter((r) => r.body.duplicate === false).length, 1);
    assert.equal(await balance(t, id), 5700);

    const conflict = await topUp(t, id, 9999, 'pay-0001');
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, 'CONFLICT');
    assert.equal(conflict.body.field, 'reference');

    const bad: [unknown, string][] = [
      [{ amount: 10.5, currency: 'EUR', reference: 'x1' }, 'amount'],
      [{ amount: -100, currency: 'EUR', reference: 'x2' }, 'amount'],
      [{ amount: '100', currency: 'EUR', reference: 'x3' }, 'amount'],
      [{ amount: 100, currency: 'USD', reference: 'x4' }, 'currency'],
      [{ amount: 100, currency: 'EUR', reference: '' }, 'reference'],
      [{ amount: 100, currency: 'EUR' }, 'body.reference'],
    ];
    for (const [body, field] of bad) {
      const r = await t.api('POST', `/v1/billing/accounts/${id}/topups`, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.field, field, JSON.stringify(r.body));
    }
    assert.equal((await topUp(t, 'acc_nobody', 100, 'x5')).status, 404);
    assert.equal(
      (await t.api('POST', '/v1/billing/accounts', { customerName: 'X', currency: 'euro' })).body.field,
      'currency',
    );
    assert.equal(
      (await t.api('GET', `/v1/billing/accounts/${id}`, undefined, t.appToken)).status,
      403,
      'billing is admin-only',
    );
    const ledger = await t.api('GET', `/v1/billing/accounts/${id}/ledger`);
    assert.deepEqual(
      ledger.body.entries.map((e: { kind: string; amount: number; reference: string }) => [
        e.kind,
        e.amount,
        e.reference,
      ]),
      [
        ['topup', 5000, 'pay-0001'],
        ['topup', 700, 'pay-0002'],
      ],
    );
    assert.equal(await balance(t, id), 5700, 'no rejected request moved money');
    const events = await t.api('GET', '/v1/events?type=billing.topped_up');
    assert.equal(events.body.events.length, 2);
  } finally {
    await t.close();
  }
});

test('rental on the vendor node: renew from the balance, lapse → LICENSE_EXPIRED, top-up revives at once', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  const billing = t.running.billing;
  try {
    const acc = await account(t);
    const pln = await plan(t);
    // Not enough for the first period: refused, nothing charged, no rental.
    await topUp(t, acc, 500, 'pay-a');
    const poor = await t.api('POST', '/v1/rentals', {
      accountId: acc,
      planId: pln,
      hardwareKey: t.hardwareKey,
      keySource: 'any',
    });
    assert.equal(poor.status, 409);
    assert.equal(poor.body.code, 'INSUFFICIENT_BALANCE');
    assert.equal(await balance(t, acc), 500);
    assert.equal((await t.api('GET', `/v1/billing/accounts/${acc}/ledger`)).body.entries.length, 1);

    await topUp(t, acc, 2000, 'pay-b');
    const started = await t.api('POST', '/v1/rentals', {
      accountId: acc,
      planId: pln,
      hardwareKey: t.hardwareKey,
      keySource: 'any',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const rid = started.body.id;
    assert.equal(started.body.paidUntil, '2026-06-02T00:00:00.000Z');
    assert.equal(started.body.installedHere, true, 'a rental for this node is installed on it');
    assert.match(started.body.license, /BEGIN LICENSOR LICENSE/);
    assert.equal(await balance(t, acc), 1500);
    assert.equal((await acquire(t, 'pc-1')).status, 201);

    clock.advance(DAY);
    assert.deepEqual(await billing.tick(), { renewed: 1, lapsed: 0, warned: 0 });
    assert.equal(await balance(t, acc), 500);
    const renewed = await t.api('GET', `/v1/rentals/${rid}`);
    assert.equal(renewed.body.paidUntil, '2026-06-03T00:00:00.000Z');
    assert.equal(renewed.body.periodIndex, 1);
    assert.equal(renewed.body.installedHere, true);
    assert.equal((await acquire(t, 'pc-2')).status, 201, 'the renewed license is live without restart');

    // The balance does not cover the next day: the license lapses at the period end; apps feel it at once.
    clock.advance(DAY);
    assert.deepEqual(await billing.tick(), { renewed: 0, lapsed: 1, warned: 0 });
    const refused = await acquire(t, 'pc-3');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'LICENSE_EXPIRED');
    assert.equal((await t.api('GET', `/v1/rentals/${rid}`)).body.status, 'lapsed');
    assert.equal(await balance(t, acc), 500, 'no charge without a renewal');

    // Two days later a top-up arrives: the rental renews in the same transaction, from now.
    clock.advance(2 * DAY);
    const revived = await topUp(t, acc, 1000, 'pay-c');
    assert.equal(revived.status, 201);
    assert.deepEqual(revived.body.renewed, [rid]);
    assert.equal(revived.body.account.balance, 500);
    assert.equal((await acquire(t, 'pc-3')).status, 201, 'apps work again at once');
    const after = await t.api('GET', `/v1/rentals/${rid}`);
    assert.equal(after.body.status, 'active');
    assert.equal(after.body.paidUntil, '2026-06-06T00:00:00.000Z');

    const ledger = await t.api('GET', `/v1/billing/accounts/${acc}/ledger`);
    assert.deepEqual(
      ledger.body.entries.map((e: { kind: string; amount: number; periodIndex: number | null }) => [
        e.kind,
        e.amount,
        e.periodIndex,
      ]),
      [
        ['topup', 500, null],
        ['topup', 2000, null],
        ['rental_charge', -1000, 0],
        ['rental_charge', -1000, 1],
        ['topup', 1000, null],
        ['rental_charge', -1000, 2],
      ],
    );
    const types = (
      await t.api('GET', '/v1/events?type=rental.started,license.renewed,license.lapsed,billing.topped_up')
    ).body.events.map((e: { type: string }) => e.type);
    assert.deepEqual(types, [
      'billing.topped_up',
      'billing.topped_up',
      'rental.started',
      'license.renewed',
      'license.lapsed',
      'billing.topped_up',
      'license.renewed',
    ]);
  } finally {
    await t.close();
  }
});

test('two schedulers racing charge a period once', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const acc = await account(t);
    const pln = await plan(t);
    await topUp(t, acc, 10_000, 'pay-1');
    const rid = (
      await t.api('POST', '/v1/rentals', { accountId: acc, planId: pln, hardwareKey: 'c'.repeat(64), keySource: 'any' })
    ).body.id;
    clock.advance(DAY);
    const runs = await Promise.all([t.running.billing.tick(), t.running.billing.tick(), t.running.billing.tick()]);
    assert.equal(
      runs.reduce((n, r) => n + r.renewed, 0),
      1,
    );
    assert.equal(await balance(t, acc), 8000);
    // A stale writer (it read period 0 before the renewal committed) cannot move the rental again.
    const store = t.running.node.store.billing;
    const moved = await store.atomically(async (tx) => {
      const r = (await tx.getRental(rid))!;
      return tx.updateRental({ ...r, periodIndex: 2 }, { periodIndex: 0, status: 'active' });
    });
    assert.equal(moved, false);
    // And the ledger refuses a second charge for the same period outright.
    await assert.rejects(
      store.atomically(async (tx) =>
        tx.insertLedger({
          id: 'led_dup',
          accountId: acc,
          kind: 'rental_charge',
          amount: -2000,
          currency: 'EUR',
          reference: null,
          rentalId: rid,
          periodIndex: 1,
          note: null,
          at: clock.now(),
        }),
      ),
      /UNIQUE/,
    );
    // The ledger is append-only.
    await assert.rejects(
      store.atomically(async () =>
        (t.running.node.store as unknown as { db: { exec(s: string): void } }).db.exec('DELETE FROM ledger'),
      ),
      /append-only/,
    );
    assert.equal(await balance(t, acc), 8000);
  } finally {
    await t.close();
  }
});

test('grace period: apps keep working past an unpaid period end until the grace ends', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const acc = await account(t);
    const pln = await plan(t, { graceMs: DAY });
    await topUp(t, acc, 1000, 'pay-1');
    const rid = (
      await t.api('POST', '/v1/rentals', { accountId: acc, planId: pln, hardwareKey: t.hardwareKey, keySource: 'any' })
    ).body.id;
    clock.advance(DAY + 3_600_000);
    await t.running.billing.tick();
    assert.equal((await t.api('GET', `/v1/rentals/${rid}`)).body.status, 'grace');
    assert.equal((await acquire(t, 'pc-1')).status, 201, 'inside the grace period');
    clock.advance(DAY);
    assert.equal((await t.running.billing.tick()).lapsed, 1);
    assert.equal((await acquire(t, 'pc-2')).body.code, 'LICENSE_EXPIRED');
  } finally {
    await t.close();
  }
});

test('monthly rental across month ends and a leap February', async () => {
  const clock = new FakeClock(Date.parse('2028-01-31T09:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const acc = await account(t);
    const pln = await plan(t, { name: 'Manager monthly', period: 'month', price: 4900 });
    await topUp(t, acc, 4 * 4900, 'pay-1');
    const rid = (
      await t.api('POST', '/v1/rentals', { accountId: acc, planId: pln, hardwareKey: t.hardwareKey, keySource: 'any' })
    ).body.id;
    const ends = [];
    for (let i = 0; i < 3; i++) {
      const r = (await t.api('GET', `/v1/rentals/${rid}`)).body;
      ends.push(r.paidUntil);
      clock.t = Date.parse(r.paidUntil);
      assert.equal((await t.running.billing.tick()).renewed, 1);
    }
    ends.push((await t.api('GET', `/v1/rentals/${rid}`)).body.paidUntil);
    assert.deepEqual(ends, [
      '2028-02-29T09:00:00.000Z',
      '2028-03-31T09:00:00.000Z',
      '2028-04-30T09:00:00.000Z',
      '2028-05-31T09:00:00.000Z',
    ]);
    assert.equal(await balance(t, acc), 0);
  } finally {
    await t.close();
  }
});

test('license.expiring is sent once, ahead of an unfunded period end', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const acc = await account(t);
    const pln = await plan(t, { period: 'week' });
    await topUp(t, acc, 1000, 'pay-1');
    await t.api('POST', '/v1/rentals', { accountId: acc, planId: pln, hardwareKey: t.hardwareKey, keySource: 'any' });
    clock.advance(3 * DAY);
    assert.equal((await t.running.billing.tick()).warned, 0, 'four days ahead: too early');
    clock.advance(2 * DAY);
    assert.equal((await t.running.billing.tick()).warned, 1);
    assert.equal((await t.running.billing.tick()).warned, 0, 'once per period');
    const ev = (await t.api('GET', '/v1/events?type=license.expiring')).body.events;
    assert.equal(ev.length, 1);
    assert.equal(ev[0].data.balance, 0);
  } finally {
    await t.close();
  }
});
