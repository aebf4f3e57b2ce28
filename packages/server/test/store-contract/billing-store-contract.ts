// The billing store contract (accounts and ledger, plans, rentals guarded by period, issued files, transactions that
// roll back whole and keep every other write of the store out while they await), run against every store adapter:
// billing-store.*.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LedgerEntry, RentalPlan } from '@licensor/core';
import type { RentalRecord } from '../../src/store/billing-store.js';
import type { Store } from '../../src/store/store.js';
import { batch, event, lease } from './contract-fixtures.js';
import type { StoreHarness } from './store-contract.js';
import { openStore } from './open-store.js';

/** Registers the billing contract's cases for one adapter. */
export function billingStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`billing store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('billing: accounts, ledger and balance, top-ups once per reference, reads after a cursor', async () => {
      const at = 1_000;
      const entry = (
        id: string,
        kind: LedgerEntry['kind'],
        amount: number,
        over: Partial<LedgerEntry> = {},
      ): LedgerEntry => ({
        id,
        accountId: 'bac_1',
        kind,
        amount,
        currency: 'EUR',
        reference: null,
        rentalId: null,
        periodIndex: null,
        note: null,
        at,
        ...over,
      });
      const seqs = await store.billing.atomically(async (tx) => {
        await tx.insertAccount({
          id: 'bac_1',
          customerId: 'cus_1',
          customerName: 'Cafe',
          currency: 'EUR',
          createdAt: at,
        });
        return [
          await tx.insertLedger(entry('led_1', 'topup', 10_000, { reference: 'pay-1' })),
          await tx.insertLedger(entry('led_2', 'adjustment', -250, { note: 'fix' })),
        ];
      });
      assert.ok((seqs[1] as number) > (seqs[0] as number));
      await assert.rejects(
        store.billing.atomically((tx) => tx.insertLedger(entry('led_3', 'topup', 5, { reference: 'pay-1' }))),
        'a payment reference is recorded once',
      );
      const view = await store.billing.read(async (tx) => ({
        account: await tx.getAccount('bac_1'),
        balance: await tx.balance('bac_1'),
        topUp: await tx.findTopUp('pay-1'),
        none: await tx.findTopUp('pay-2'),
        after: await tx.listLedger('bac_1', seqs[0] as number, 10),
        missing: await tx.getAccount('bac_x'),
      }));
      assert.deepEqual(view.account, {
        id: 'bac_1',
        customerId: 'cus_1',
        customerName: 'Cafe',
        currency: 'EUR',
        createdAt: at,
      });
      assert.equal(view.balance, 9_750);
      assert.deepEqual(view.topUp, { seq: seqs[0], ...entry('led_1', 'topup', 10_000, { reference: 'pay-1' }) });
      assert.equal(view.none, null);
      assert.equal(view.missing, null);
      assert.deepEqual(
        view.after.map((e) => e.id),
        ['led_2'],
      );
      await assert.rejects(h.exec('DELETE FROM ledger'), /append-only/);
    });

    test('billing: a throw rolls the whole transaction back, events included', async () => {
      const head = (await store.listEvents({ after: 0, limit: 100_000 })).at(-1)?.seq ?? 0;
      await assert.rejects(
        store.billing.atomically(async (tx) => {
          await tx.insertAccount({ id: 'bac_rb', customerId: 'c', customerName: 'n', currency: 'EUR', createdAt: 1 });
          await tx.insertEvent(event('billing.topped_up', null, 'bac_rb'));
          throw new Error('no');
        }),
        /no/,
      );
      assert.equal(await store.billing.read((tx) => tx.getAccount('bac_rb')), null);
      assert.deepEqual(await store.listEvents({ after: head, limit: 10 }), []);
    });

    test('billing: plans, rentals guarded by period and status, a period charged once, due rentals, issued files', async () => {
      const plan: RentalPlan = {
        id: 'rpl_1',
        name: 'Monthly',
        period: 'month',
        price: 1_000,
        currency: 'EUR',
        graceMs: 5,
        entitlements: [{ moduleId: 4001, quantity: 2 }],
        createdAt: 1,
      };
      const rental: RentalRecord = {
        id: 'rnt_1',
        accountId: 'bac_r',
        planId: 'rpl_1',
        licenseId: 'lic_r',
        hardwareKey: 'a'.repeat(64),
        scope: 'centralized',
        customerName: 'Cafe',
        anchorAt: 0,
        anchorIndex: 0,
        periodIndex: 0,
        periodEnd: 100,
        status: 'active',
        warnedIndex: -1,
        createdAt: 1,
        updatedAt: 1,
      };
      const ev = await store.billing.atomically(async (tx) => {
        await tx.insertAccount({ id: 'bac_r', customerId: 'c', customerName: 'Cafe', currency: 'EUR', createdAt: 1 });
        await tx.insertPlan(plan);
        await tx.insertRental(rental);
        await tx.insertIssued({
          licenseId: 'lic_r',
          rentalId: 'rnt_1',
          hardwareKey: rental.hardwareKey,
          notAfter: 105,
          text: 'FILE-0',
          issuedAt: 1,
        });
        await tx.insertIssued({
          licenseId: 'lic_r',
          rentalId: 'rnt_1',
          hardwareKey: rental.hardwareKey,
          notAfter: 205,
          text: 'FILE-1',
          issuedAt: 2,
        });
        return tx.insertEvent(event('license.renewed', null, 'lic_r'));
      });
      const read = await store.billing.read(async (tx) => ({
        plan: await tx.getPlan('rpl_1'),
        plans: (await tx.listPlans()).map((p) => p.id),
        rental: await tx.getRental('rnt_1'),
        byLicense: (await tx.getRentalByLicense('lic_r'))?.id,
        ofAccount: (await tx.rentalsOfAccount('bac_r')).map((r) => r.id),
        due: await tx.dueRentals(100, 10),
        notDue: await tx.dueRentals(99, 10),
        latest: (await tx.latestIssued('lic_r'))?.text,
        forKey: (await tx.latestIssuedForHardwareKey(rental.hardwareKey))?.text,
      }));
      assert.deepEqual(read.plan, plan);
      assert.deepEqual(read.plans, ['rpl_1']);
      assert.deepEqual(read.rental, rental);
      assert.equal(read.byLicense, 'rnt_1');
      assert.deepEqual(read.ofAccount, ['rnt_1']);
      assert.deepEqual(read.due, ['rnt_1']);
      assert.deepEqual(read.notDue, []);
      assert.equal(read.latest, 'FILE-1');
      assert.equal(read.forKey, 'FILE-1');
      assert.deepEqual(
        (await store.listEvents({ after: ev - 1, limit: 1 })).map((e) => e.type),
        ['license.renewed'],
      );
      const next = { ...rental, periodIndex: 1, periodEnd: 200, updatedAt: 2 };
      const charge: LedgerEntry = {
        id: 'led_c1',
        accountId: 'bac_r',
        kind: 'rental_charge',
        amount: -1_000,
        currency: 'EUR',
        reference: null,
        rentalId: 'rnt_1',
        periodIndex: 1,
        note: null,
        at: 2,
      };
      assert.equal(
        await store.billing.atomically(
          async (tx) =>
            (await tx.updateRental(next, { periodIndex: 0, status: 'active' })) && (await tx.insertLedger(charge)) > 0,
        ),
        true,
      );
      assert.equal(
        await store.billing.atomically((tx) =>
          tx.updateRental({ ...next, periodIndex: 2 }, { periodIndex: 0, status: 'active' }),
        ),
        false,
        'the period already moved',
      );
      await assert.rejects(
        store.billing.atomically((tx) => tx.insertLedger({ ...charge, id: 'led_c2' })),
        'a period is charged once',
      );
      assert.equal(await store.billing.read((tx) => tx.balance('bac_r')), -1_000);
    });

    test('a transaction that awaits keeps every other write out: hot-path commits arriving meanwhile survive its rollback', async () => {
      let inside!: () => void;
      const entered = new Promise<void>((resolve) => {
        inside = resolve;
      });
      const order: string[] = [];
      const billing = store.billing.atomically(async (tx) => {
        await tx.insertAccount({ id: 'bac_gate', customerId: 'c', customerName: 'n', currency: 'EUR', createdAt: 1 });
        inside();
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('billing done');
        throw new Error('rolled back');
      });
      await entered;
      const commits = [1, 2, 3].map((i) =>
        store
          .commit([batch({ changes: [{ kind: 'lease.put', lease: lease(4100, `gate-${i}`, 10_000) }] })])
          .then((seqs) => {
            order.push(`commit ${i}`);
            return seqs;
          }),
      );
      await assert.rejects(billing, /rolled back/);
      await Promise.all(commits);
      if (store.kind === 'sqlite') assert.equal(order[0], 'billing done', 'the commits waited for the transaction');
      const held = (await store.loadPools()).leases.filter((l) => l.moduleId === 4100).map((l) => l.holderId);
      assert.deepEqual(held.sort(), ['gate-1', 'gate-2', 'gate-3']);
      assert.equal(await store.billing.read((tx) => tx.getAccount('bac_gate')), null);
      const other = h.open();
      try {
        const fresh = (await other.loadPools()).leases.filter((l) => l.moduleId === 4100).map((l) => l.holderId);
        assert.deepEqual(fresh.sort(), ['gate-1', 'gate-2', 'gate-3'], 'committed for every other handle too');
      } finally {
        await other.close();
      }
    });
  });
}
