import type { LedgerEntry, RentalPlan } from '@licensor/core';
import { sql } from 'kysely';
import { toAccount, toIssued, toLedger, toPlan, toRental } from '../billing-rows.js';
import type { BillingStore, BillingTx, IssuedLicense, RentalRecord } from '../billing-store.js';
import type { SqlHost, SqlTx } from './sql-host.js';

/**
 * Billing tables on either database. Write transactions run one at a time: one after the other in this process (so
 * they hold one connection at most), and on PostgreSQL under one advisory lock across processes, as BEGIN IMMEDIATE
 * serializes them on SQLite: a check and the write it decides (a payment reference not yet recorded, a period not yet
 * charged) see every earlier billing commit. The unique indexes and the rental row guard stay as a second line.
 */
export class SqlBillingStore implements BillingStore {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: SqlHost) {}

  atomically<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    const run = this.turn.then(() =>
      this.host.write(async (tx) => {
        await tx.lock('billing');
        return fn(billingTx(tx));
      }),
    );
    this.turn = run.catch(() => undefined);
    return run;
  }

  read<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    return this.host.snapshot((tx) => fn(billingTx(tx)));
  }
}

/** The billing statements over one transaction. */
function billingTx(tx: SqlTx): BillingTx {
  const k = tx.d.k;
  const maybe = <R, T>(r: R | undefined, f: (r: R) => T) => (r ? f(r) : null);
  return {
    getAccount: async (id) =>
      maybe(await tx.first(k.selectFrom('billing_accounts').selectAll().where('id', '=', id)), toAccount),
    insertAccount: async (a) => {
      await tx.run(
        k.insertInto('billing_accounts').values({
          id: a.id,
          customer_id: a.customerId,
          customer_name: a.customerName,
          currency: a.currency,
          created_at: a.createdAt,
        }),
      );
    },
    listAccounts: async (limit) =>
      (await tx.all(k.selectFrom('billing_accounts').selectAll().orderBy('created_at').orderBy('id').limit(limit))).map(
        toAccount,
      ),
    balance: async (accountId) => {
      const sum = sql<number | string>`COALESCE(SUM(amount), 0)`.as('b');
      const r = await tx.first(k.selectFrom('ledger').select(sum).where('account_id', '=', accountId));
      return Number(r?.b ?? 0);
    },
    insertLedger: async (e: LedgerEntry) => {
      await tx.feedLock();
      const r = await tx.first(
        k
          .insertInto('ledger')
          .values({
            ...tx.d.nextCursor('ledger'),
            id: e.id,
            account_id: e.accountId,
            kind: e.kind,
            amount: e.amount,
            currency: e.currency,
            reference: e.reference,
            rental_id: e.rentalId,
            period_index: e.periodIndex,
            note: e.note,
            at: e.at,
          })
          .returning('seq'),
      );
      return Number(r?.seq);
    },
    findTopUp: async (reference) =>
      maybe(
        await tx.first(
          k.selectFrom('ledger').selectAll().where('kind', '=', 'topup').where('reference', '=', reference),
        ),
        toLedger,
      ),
    listLedger: async (accountId, after, limit) =>
      (
        await tx.all(
          k
            .selectFrom('ledger')
            .selectAll()
            .where('account_id', '=', accountId)
            .where('seq', '>', after)
            .orderBy('seq')
            .limit(limit),
        )
      ).map(toLedger),
    getPlan: async (id) => maybe(await tx.first(k.selectFrom('rental_plans').selectAll().where('id', '=', id)), toPlan),
    insertPlan: async (p: RentalPlan) => {
      await tx.run(
        k.insertInto('rental_plans').values({
          id: p.id,
          name: p.name,
          period: p.period,
          price: p.price,
          currency: p.currency,
          grace_ms: p.graceMs,
          entitlements: JSON.stringify(p.entitlements),
          created_at: p.createdAt,
        }),
      );
    },
    updatePlan: async (p: RentalPlan) => {
      await tx.run(
        k.updateTable('rental_plans').set({ name: p.name, price: p.price, grace_ms: p.graceMs }).where('id', '=', p.id),
      );
    },
    listPlans: async () =>
      (await tx.all(k.selectFrom('rental_plans').selectAll().orderBy('created_at').orderBy('id'))).map(toPlan),
    getRental: async (id) => maybe(await tx.first(k.selectFrom('rentals').selectAll().where('id', '=', id)), toRental),
    getRentalByLicense: async (licenseId) =>
      maybe(await tx.first(k.selectFrom('rentals').selectAll().where('license_id', '=', licenseId)), toRental),
    insertRental: async (r: RentalRecord) => {
      await tx.run(
        k.insertInto('rentals').values({
          id: r.id,
          account_id: r.accountId,
          plan_id: r.planId,
          license_id: r.licenseId,
          hardware_key: r.hardwareKey,
          scope: r.scope,
          customer_name: r.customerName,
          ...rentalState(r),
          created_at: r.createdAt,
        }),
      );
    },
    // On PostgreSQL (READ COMMITTED) a racing writer waits for the row lock, re-reads the row and finds the period moved.
    updateRental: async (r, expected) =>
      (await tx.run(
        k
          .updateTable('rentals')
          .set(rentalState(r))
          .where('id', '=', r.id)
          .where('period_index', '=', expected.periodIndex)
          .where('status', '=', expected.status),
      )) === 1,
    dueRentals: async (dueBy, limit) =>
      (
        await tx.all(
          k
            .selectFrom('rentals')
            .select('id')
            .where('status', 'in', ['active', 'grace'])
            .where('period_end', '<=', dueBy)
            .orderBy('period_end')
            .limit(limit),
        )
      ).map((r) => r.id),
    rentalsOfAccount: async (accountId) =>
      (
        await tx.all(
          k.selectFrom('rentals').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('id'),
        )
      ).map(toRental),
    insertIssued: async (l: Omit<IssuedLicense, 'seq'>) => {
      const r = await tx.first(
        k
          .insertInto('issued_licenses')
          .values({
            license_id: l.licenseId,
            rental_id: l.rentalId,
            hardware_key: l.hardwareKey,
            not_after: l.notAfter,
            text: l.text,
            issued_at: l.issuedAt,
          })
          .returning('seq'),
      );
      return Number(r?.seq);
    },
    latestIssued: async (licenseId) =>
      maybe(
        await tx.first(
          k
            .selectFrom('issued_licenses')
            .selectAll()
            .where('license_id', '=', licenseId)
            .orderBy('seq', 'desc')
            .limit(1),
        ),
        toIssued,
      ),
    latestIssuedForHardwareKey: async (hardwareKey) =>
      maybe(
        await tx.first(
          k
            .selectFrom('issued_licenses')
            .selectAll()
            .where('hardware_key', '=', hardwareKey)
            .orderBy('seq', 'desc')
            .limit(1),
        ),
        toIssued,
      ),
    insertEvent: (e) => tx.insertEvent(e),
    insertAudit: (a) => tx.insertAudit(a),
  };
}

/** The columns of a rental that move as it runs (everything an update may write). */
function rentalState(r: RentalRecord) {
  return {
    anchor_at: r.anchorAt,
    anchor_index: r.anchorIndex,
    period_index: r.periodIndex,
    period_end: r.periodEnd,
    status: r.status,
    warned_index: r.warnedIndex,
    updated_at: r.updatedAt,
  };
}
