import type Database from 'better-sqlite3';
import { toAccount, toIssued, toLedger, toPlan, toRental } from '../billing-rows.js';
import type { BillingStore, BillingTx } from '../billing-store.js';
import type { Row } from '../store-rows.js';
import { prepareFeedWrites } from './feed-writes.js';
import type { SqliteGate } from './sqlite-gate.js';

/** Billing tables of the embedded store (created by migration 3). */
export class SqliteBillingStore implements BillingStore {
  private tx: BillingTx | undefined;

  constructor(private readonly gate: SqliteGate) {}

  atomically<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(true, (db) => fn(this.statements(db)));
  }

  read<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(false, (db) => fn(this.statements(db)));
  }

  private statements(db: Database.Database): BillingTx {
    if (this.tx) return this.tx;
    const q = {
      accountGet: db.prepare('SELECT * FROM billing_accounts WHERE id = ?'),
      accountPut: db.prepare('INSERT INTO billing_accounts VALUES (?, ?, ?, ?, ?)'),
      accountList: db.prepare('SELECT * FROM billing_accounts ORDER BY created_at, id LIMIT ?'),
      balance: db.prepare('SELECT COALESCE(SUM(amount), 0) AS b FROM ledger WHERE account_id = ?'),
      ledgerPut: db.prepare(
        'INSERT INTO ledger (id, account_id, kind, amount, currency, reference, rental_id, period_index, note, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      topUp: db.prepare("SELECT * FROM ledger WHERE kind = 'topup' AND reference = ?"),
      ledgerList: db.prepare('SELECT * FROM ledger WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      planGet: db.prepare('SELECT * FROM rental_plans WHERE id = ?'),
      planPut: db.prepare('INSERT INTO rental_plans VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      planUpdate: db.prepare('UPDATE rental_plans SET name = ?, price = ?, grace_ms = ? WHERE id = ?'),
      planList: db.prepare('SELECT * FROM rental_plans ORDER BY created_at, id'),
      rentalGet: db.prepare('SELECT * FROM rentals WHERE id = ?'),
      rentalByLicense: db.prepare('SELECT * FROM rentals WHERE license_id = ?'),
      rentalPut: db.prepare(
        `INSERT INTO rentals VALUES (@id, @accountId, @planId, @licenseId, @hardwareKey, @scope, @customerName, @anchorAt, @anchorIndex,
         @periodIndex, @periodEnd, @status, @warnedIndex, @createdAt, @updatedAt)`,
      ),
      rentalUpdate: db.prepare(
        `UPDATE rentals SET anchor_at = @anchorAt, anchor_index = @anchorIndex, period_index = @periodIndex, period_end = @periodEnd,
         status = @status, warned_index = @warnedIndex, updated_at = @updatedAt
         WHERE id = @id AND period_index = @expectedPeriodIndex AND status = @expectedStatus`,
      ),
      rentalsDue: db.prepare(
        "SELECT id FROM rentals WHERE status IN ('active', 'grace') AND period_end <= ? ORDER BY period_end LIMIT ?",
      ),
      rentalsOfAccount: db.prepare('SELECT * FROM rentals WHERE account_id = ? ORDER BY created_at, id'),
      issuedPut: db.prepare(
        'INSERT INTO issued_licenses (license_id, rental_id, hardware_key, not_after, text, issued_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      issuedLatest: db.prepare('SELECT * FROM issued_licenses WHERE license_id = ? ORDER BY seq DESC LIMIT 1'),
      issuedForKey: db.prepare('SELECT * FROM issued_licenses WHERE hardware_key = ? ORDER BY seq DESC LIMIT 1'),
    };
    this.tx = resolving({
      getAccount: (id) => {
        const r = q.accountGet.get(id) as Row | undefined;
        return r ? toAccount(r) : null;
      },
      insertAccount: (a) => void q.accountPut.run(a.id, a.customerId, a.customerName, a.currency, a.createdAt),
      listAccounts: (limit) => (q.accountList.all(limit) as Row[]).map(toAccount),
      balance: (accountId) => (q.balance.get(accountId) as { b: number }).b,
      insertLedger: (e) =>
        Number(
          q.ledgerPut.run(
            e.id,
            e.accountId,
            e.kind,
            e.amount,
            e.currency,
            e.reference,
            e.rentalId,
            e.periodIndex,
            e.note,
            e.at,
          ).lastInsertRowid,
        ),
      findTopUp: (reference) => {
        const r = q.topUp.get(reference) as Row | undefined;
        return r ? toLedger(r) : null;
      },
      listLedger: (accountId, after, limit) => (q.ledgerList.all(accountId, after, limit) as Row[]).map(toLedger),
      getPlan: (id) => {
        const r = q.planGet.get(id) as Row | undefined;
        return r ? toPlan(r) : null;
      },
      insertPlan: (p) =>
        void q.planPut.run(
          p.id,
          p.name,
          p.period,
          p.price,
          p.currency,
          p.graceMs,
          JSON.stringify(p.entitlements),
          p.createdAt,
        ),
      updatePlan: (p) => void q.planUpdate.run(p.name, p.price, p.graceMs, p.id),
      listPlans: () => (q.planList.all() as Row[]).map(toPlan),
      getRental: (id) => {
        const r = q.rentalGet.get(id) as Row | undefined;
        return r ? toRental(r) : null;
      },
      getRentalByLicense: (licenseId) => {
        const r = q.rentalByLicense.get(licenseId) as Row | undefined;
        return r ? toRental(r) : null;
      },
      insertRental: (r) => void q.rentalPut.run({ ...r }),
      updateRental: (r, expected) =>
        q.rentalUpdate.run({ ...r, expectedPeriodIndex: expected.periodIndex, expectedStatus: expected.status })
          .changes === 1,
      dueRentals: (dueBy, limit) => (q.rentalsDue.all(dueBy, limit) as Row[]).map((r) => r.id as string),
      rentalsOfAccount: (accountId) => (q.rentalsOfAccount.all(accountId) as Row[]).map(toRental),
      insertIssued: (l) =>
        Number(q.issuedPut.run(l.licenseId, l.rentalId, l.hardwareKey, l.notAfter, l.text, l.issuedAt).lastInsertRowid),
      latestIssued: (licenseId) => {
        const r = q.issuedLatest.get(licenseId) as Row | undefined;
        return r ? toIssued(r) : null;
      },
      latestIssuedForHardwareKey: (hardwareKey) => {
        const r = q.issuedForKey.get(hardwareKey) as Row | undefined;
        return r ? toIssued(r) : null;
      },
      ...prepareFeedWrites(db),
    });
    return this.tx;
  }
}

/** BillingTx with each method's synchronous result in place of its promise. */
type SyncBillingTx = {
  [K in keyof BillingTx]: (...args: Parameters<BillingTx[K]>) => Awaited<ReturnType<BillingTx[K]>>;
};

/** The asynchronous BillingTx over synchronous statements (they run inside the gate's transaction). */
function resolving(sync: SyncBillingTx): BillingTx {
  const tx: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, f] of Object.entries(sync) as [string, (...args: unknown[]) => unknown][]) {
    tx[name] = (...args) => {
      try {
        return Promise.resolve(f(...args));
      } catch (err) {
        return Promise.reject(err);
      }
    };
  }
  return tx as unknown as BillingTx;
}
