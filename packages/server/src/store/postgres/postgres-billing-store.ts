import type { LedgerEntry, RentalPlan } from '@licensor/core';
import { toAccount, toIssued, toLedger, toPlan, toRental } from '../billing-rows.js';
import type { BillingStore, BillingTx, IssuedLicense, RentalRecord } from '../billing-store.js';
import type { NewAuditRecord, NewEvent } from '../store.js';
import type { PostgresTarget } from './postgres-connection.js';
import type { Row } from '../store-rows.js';
import { SyncConnection, syncConfig } from './sync-connection.js';
import type { LockKeys } from './postgres-writes.js';

/** What the billing store needs from the PostgreSQL store it belongs to. */
export interface BillingHost {
  target: PostgresTarget;
  keys: LockKeys;
  /** Resolves when none of this process's own write transactions holds the feed lock (see atomically). */
  quiesce(): Promise<void>;
  /** Marks seqs as written by this process (its listeners hear them from the billing service). */
  markLocal(seqs: number[]): void;
  unmarkLocal(seqs: number[]): void;
}

/**
 * Billing tables on PostgreSQL. Transactions are synchronous by the BillingTx contract, so they run on a SyncConnection.
 * Before one starts, this process's asynchronous write transactions are let finish: one of them holding the feed
 * lock while this thread blocks could otherwise never commit. Cross-process races end at row locks and the unique
 * indexes (a period is charged once, a payment reference recorded once), exactly as on SQLite.
 */
export class PostgresBillingStore implements BillingStore {
  private conn: SyncConnection | null = null;

  constructor(private readonly host: BillingHost) {}

  private connection(): SyncConnection {
    this.conn ??= new SyncConnection(syncConfig(this.host.target));
    return this.conn;
  }

  async atomically<T>(fn: (tx: BillingTx) => T): Promise<T> {
    await this.host.quiesce();
    return this.run(fn, true);
  }

  async read<T>(fn: (tx: BillingTx) => T): Promise<T> {
    return this.run(fn, false);
  }

  private run<T>(fn: (tx: BillingTx) => T, write: boolean): T {
    const c = this.connection();
    const marked: number[] = [];
    c.query(write ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const result = fn(this.tx(c, marked));
      c.query('COMMIT');
      return result;
    } catch (err) {
      this.host.unmarkLocal(marked);
      try {
        c.query('ROLLBACK');
      } catch {
        // The connection is gone; the worker opens a new one for the next transaction.
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.conn?.close();
    this.conn = null;
  }

  private tx(c: SyncConnection, marked: number[]): BillingTx {
    const q = (sql: string, params: unknown[] = []) => c.query(sql, params).rows as Row[];
    const one = (sql: string, params: unknown[] = []) => q(sql, params)[0];
    let feedLocked = false;
    // Cursor tables (ledger, events, audit) take the feed lock first, so their seq order is their commit order.
    const feed = () => {
      if (feedLocked) return;
      q("SELECT pg_advisory_xact_lock($1, 0), pg_notify($2, '')", [this.host.keys.feed, this.host.keys.channel]);
      feedLocked = true;
    };
    return {
      getAccount: (id) => {
        const r = one('SELECT * FROM billing_accounts WHERE id = $1', [id]);
        return r ? toAccount(r) : null;
      },
      insertAccount: (a) =>
        void q('INSERT INTO billing_accounts VALUES ($1, $2, $3, $4, $5)', [
          a.id,
          a.customerId,
          a.customerName,
          a.currency,
          a.createdAt,
        ]),
      listAccounts: (limit) =>
        q('SELECT * FROM billing_accounts ORDER BY created_at, id LIMIT $1', [limit]).map(toAccount),
      balance: (accountId) =>
        Number(
          (one('SELECT COALESCE(SUM(amount), 0)::bigint AS b FROM ledger WHERE account_id = $1', [accountId]) as Row).b,
        ),
      insertLedger: (e: LedgerEntry) => {
        feed();
        const r = one(
          `INSERT INTO ledger (seq, id, account_id, kind, amount, currency, reference, rental_id, period_index, note, at)
           VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
          [e.id, e.accountId, e.kind, e.amount, e.currency, e.reference, e.rentalId, e.periodIndex, e.note, e.at],
        ) as Row;
        return r.seq as number;
      },
      findTopUp: (reference) => {
        const r = one("SELECT * FROM ledger WHERE kind = 'topup' AND reference = $1", [reference]);
        return r ? toLedger(r) : null;
      },
      listLedger: (accountId, after, limit) =>
        q('SELECT * FROM ledger WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
          accountId,
          after,
          limit,
        ]).map(toLedger),
      getPlan: (id) => {
        const r = one('SELECT * FROM rental_plans WHERE id = $1', [id]);
        return r ? toPlan(r) : null;
      },
      insertPlan: (p: RentalPlan) =>
        void q('INSERT INTO rental_plans VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          p.id,
          p.name,
          p.period,
          p.price,
          p.currency,
          p.graceMs,
          JSON.stringify(p.entitlements),
          p.createdAt,
        ]),
      updatePlan: (p: RentalPlan) =>
        void q('UPDATE rental_plans SET name = $1, price = $2, grace_ms = $3 WHERE id = $4', [
          p.name,
          p.price,
          p.graceMs,
          p.id,
        ]),
      listPlans: () => q('SELECT * FROM rental_plans ORDER BY created_at, id').map(toPlan),
      getRental: (id) => {
        const r = one('SELECT * FROM rentals WHERE id = $1', [id]);
        return r ? toRental(r) : null;
      },
      getRentalByLicense: (licenseId) => {
        const r = one('SELECT * FROM rentals WHERE license_id = $1', [licenseId]);
        return r ? toRental(r) : null;
      },
      insertRental: (r: RentalRecord) =>
        void q('INSERT INTO rentals VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)', [
          r.id,
          r.accountId,
          r.planId,
          r.licenseId,
          r.hardwareKey,
          r.scope,
          r.customerName,
          r.anchorAt,
          r.anchorIndex,
          r.periodIndex,
          r.periodEnd,
          r.status,
          r.warnedIndex,
          r.createdAt,
          r.updatedAt,
        ]),
      // Under READ COMMITTED a racing writer waits for the row lock, re-reads the row and finds the period moved.
      updateRental: (r, expected) =>
        c.query(
          `UPDATE rentals SET anchor_at = $1, anchor_index = $2, period_index = $3, period_end = $4, status = $5, warned_index = $6, updated_at = $7
           WHERE id = $8 AND period_index = $9 AND status = $10`,
          [
            r.anchorAt,
            r.anchorIndex,
            r.periodIndex,
            r.periodEnd,
            r.status,
            r.warnedIndex,
            r.updatedAt,
            r.id,
            expected.periodIndex,
            expected.status,
          ],
        ).rowCount === 1,
      dueRentals: (dueBy, limit) =>
        q(
          "SELECT id FROM rentals WHERE status IN ('active', 'grace') AND period_end <= $1 ORDER BY period_end LIMIT $2",
          [dueBy, limit],
        ).map((r) => r.id as string),
      rentalsOfAccount: (accountId) =>
        q('SELECT * FROM rentals WHERE account_id = $1 ORDER BY created_at, id', [accountId]).map(toRental),
      insertIssued: (l: Omit<IssuedLicense, 'seq'>) =>
        (
          one(
            'INSERT INTO issued_licenses (license_id, rental_id, hardware_key, not_after, text, issued_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq',
            [l.licenseId, l.rentalId, l.hardwareKey, l.notAfter, l.text, l.issuedAt],
          ) as Row
        ).seq as number,
      latestIssued: (licenseId) => {
        const r = one('SELECT * FROM issued_licenses WHERE license_id = $1 ORDER BY seq DESC LIMIT 1', [licenseId]);
        return r ? toIssued(r) : null;
      },
      latestIssuedForHardwareKey: (hardwareKey) => {
        const r = one('SELECT * FROM issued_licenses WHERE hardware_key = $1 ORDER BY seq DESC LIMIT 1', [hardwareKey]);
        return r ? toIssued(r) : null;
      },
      insertEvent: (e: NewEvent) => {
        feed();
        const seq = (
          one(
            'INSERT INTO events (seq, type, module_id, subject, data, at) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM events), $1, $2, $3, $4, $5) RETURNING seq',
            [e.type, e.moduleId, e.subject, e.data ? JSON.stringify(e.data) : null, e.at],
          ) as Row
        ).seq as number;
        marked.push(seq);
        this.host.markLocal([seq]);
        return seq;
      },
      insertAudit: (a: NewAuditRecord) => {
        feed();
        return (
          one(
            'INSERT INTO audit (seq, id, at, actor_token_id, actor_name, action, target, details) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM audit), $1, $2, $3, $4, $5, $6, $7) RETURNING seq',
            [
              a.id,
              a.at,
              a.actor.tokenId,
              a.actor.name,
              a.action,
              a.target,
              a.details ? JSON.stringify(a.details) : null,
            ],
          ) as Row
        ).seq as number;
      },
    };
  }
}
