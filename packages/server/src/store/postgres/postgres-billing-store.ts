import type { LedgerEntry, RentalPlan } from '@licensor/core';
import { toAccount, toIssued, toLedger, toPlan, toRental } from '../billing-rows.js';
import type { BillingStore, BillingTx, IssuedLicense, RentalRecord } from '../billing-store.js';
import type { NewAuditRecord, NewEvent } from '../store.js';
import type pg from 'pg';
import type { Row } from '../store-rows.js';
import type { PostgresHost } from './postgres-host.js';
import { withClient } from './postgres-transaction.js';
import { insertAudit, insertEvents, takeFeedLock } from './postgres-writes.js';

/**
 * Billing tables on PostgreSQL. Write transactions run one at a time, as on SQLite: one after the other in this
 * process (so they hold one pooled connection at most, never starving the slot hot path), and under one advisory lock
 * across processes, so a check and the write it decides (a payment reference not yet recorded, a period not yet
 * charged) see every earlier billing commit. The unique indexes and the rental row guard stay as a second line.
 * Reads see one REPEATABLE READ snapshot and wait for nothing.
 */
export class PostgresBillingStore implements BillingStore {
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly host: PostgresHost) {}

  atomically<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    const run = this.turn.then(() =>
      this.host.write(async (c, mark) => {
        await c.query('SELECT pg_advisory_xact_lock($1, 0)', [this.host.keys.billing]);
        return fn(this.tx(c, mark));
      }),
    );
    this.turn = run.catch(() => undefined);
    return run;
  }

  read<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T> {
    return withClient(this.host.pool, async (c, rollback) => {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const result = await fn(this.tx(c, () => undefined));
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await rollback();
        throw err;
      }
    });
  }

  private tx(c: pg.ClientBase, mark: (seqs: number[]) => void): BillingTx {
    const q = async (sql: string, params: unknown[] = []) => (await c.query(sql, params)).rows as Row[];
    const one = async (sql: string, params: unknown[] = []) => (await q(sql, params))[0];
    let feedLocked = false;
    // Cursor tables (ledger, events, audit) take the feed lock first, so their seq order is their commit order.
    const feed = async () => {
      if (feedLocked) return;
      feedLocked = true;
      await takeFeedLock(c, this.host.keys);
    };
    return {
      getAccount: async (id) => {
        const r = await one('SELECT * FROM billing_accounts WHERE id = $1', [id]);
        return r ? toAccount(r) : null;
      },
      insertAccount: async (a) =>
        void (await q('INSERT INTO billing_accounts VALUES ($1, $2, $3, $4, $5)', [
          a.id,
          a.customerId,
          a.customerName,
          a.currency,
          a.createdAt,
        ])),
      listAccounts: async (limit) =>
        (await q('SELECT * FROM billing_accounts ORDER BY created_at, id LIMIT $1', [limit])).map(toAccount),
      balance: async (accountId) =>
        Number(
          (
            (await one('SELECT COALESCE(SUM(amount), 0)::bigint AS b FROM ledger WHERE account_id = $1', [
              accountId,
            ])) as Row
          ).b,
        ),
      insertLedger: async (e: LedgerEntry) => {
        await feed();
        const r = (await one(
          `INSERT INTO ledger (seq, id, account_id, kind, amount, currency, reference, rental_id, period_index, note, at)
           VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
          [e.id, e.accountId, e.kind, e.amount, e.currency, e.reference, e.rentalId, e.periodIndex, e.note, e.at],
        )) as Row;
        return r.seq as number;
      },
      findTopUp: async (reference) => {
        const r = await one("SELECT * FROM ledger WHERE kind = 'topup' AND reference = $1", [reference]);
        return r ? toLedger(r) : null;
      },
      listLedger: async (accountId, after, limit) =>
        (
          await q('SELECT * FROM ledger WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [
            accountId,
            after,
            limit,
          ])
        ).map(toLedger),
      getPlan: async (id) => {
        const r = await one('SELECT * FROM rental_plans WHERE id = $1', [id]);
        return r ? toPlan(r) : null;
      },
      insertPlan: async (p: RentalPlan) =>
        void (await q('INSERT INTO rental_plans VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
          p.id,
          p.name,
          p.period,
          p.price,
          p.currency,
          p.graceMs,
          JSON.stringify(p.entitlements),
          p.createdAt,
        ])),
      updatePlan: async (p: RentalPlan) =>
        void (await q('UPDATE rental_plans SET name = $1, price = $2, grace_ms = $3 WHERE id = $4', [
          p.name,
          p.price,
          p.graceMs,
          p.id,
        ])),
      listPlans: async () => (await q('SELECT * FROM rental_plans ORDER BY created_at, id')).map(toPlan),
      getRental: async (id) => {
        const r = await one('SELECT * FROM rentals WHERE id = $1', [id]);
        return r ? toRental(r) : null;
      },
      getRentalByLicense: async (licenseId) => {
        const r = await one('SELECT * FROM rentals WHERE license_id = $1', [licenseId]);
        return r ? toRental(r) : null;
      },
      insertRental: async (r: RentalRecord) =>
        void (await q('INSERT INTO rentals VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)', [
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
        ])),
      // Under READ COMMITTED a racing writer waits for the row lock, re-reads the row and finds the period moved.
      updateRental: async (r, expected) =>
        (
          await c.query(
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
          )
        ).rowCount === 1,
      dueRentals: async (dueBy, limit) =>
        (
          await q(
            "SELECT id FROM rentals WHERE status IN ('active', 'grace') AND period_end <= $1 ORDER BY period_end LIMIT $2",
            [dueBy, limit],
          )
        ).map((r) => r.id as string),
      rentalsOfAccount: async (accountId) =>
        (await q('SELECT * FROM rentals WHERE account_id = $1 ORDER BY created_at, id', [accountId])).map(toRental),
      insertIssued: async (l: Omit<IssuedLicense, 'seq'>) =>
        (
          (await one(
            'INSERT INTO issued_licenses (license_id, rental_id, hardware_key, not_after, text, issued_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq',
            [l.licenseId, l.rentalId, l.hardwareKey, l.notAfter, l.text, l.issuedAt],
          )) as Row
        ).seq as number,
      latestIssued: async (licenseId) => {
        const r = await one('SELECT * FROM issued_licenses WHERE license_id = $1 ORDER BY seq DESC LIMIT 1', [
          licenseId,
        ]);
        return r ? toIssued(r) : null;
      },
      latestIssuedForHardwareKey: async (hardwareKey) => {
        const r = await one('SELECT * FROM issued_licenses WHERE hardware_key = $1 ORDER BY seq DESC LIMIT 1', [
          hardwareKey,
        ]);
        return r ? toIssued(r) : null;
      },
      insertEvent: async (e: NewEvent) => {
        await feed();
        const [seq] = await insertEvents(c, [e]);
        mark([seq as number]);
        return seq as number;
      },
      insertAudit: async (a: NewAuditRecord) => {
        await feed();
        const [seq] = await insertAudit(c, [a]);
        return seq as number;
      },
    };
  }
}
