import type { LedgerEntry, RentalPlan, RentalStatus } from '@licensor/core';
import type { LicenseScope } from '@licensor/protocol';
import type { NewAuditRecord, NewEvent } from './store.js';

/** A customer's prepaid billing account; its balance is the sum of its ledger, never a stored number. */
export interface BillingAccount {
  id: string;
  customerId: string;
  customerName: string;
  currency: string;
  createdAt: number;
}

/** A ledger entry with its cursor (strictly increasing per store). */
export interface StoredLedgerEntry extends LedgerEntry {
  seq: number;
}

/**
 * A rental license the vendor's node runs period by period. Period `i` ends at `addPeriods(anchorAt, period,
 * i - anchorIndex + 1)`; a revival after a lapse re-anchors at the revival time. `periodEnd` is the paid end of
 * the current period (`periodIndex`); the license file runs until `periodEnd + grace`.
 */
export interface RentalRecord {
  id: string;
  accountId: string;
  planId: string;
  licenseId: string;
  hardwareKey: string;
  scope: LicenseScope;
  customerName: string;
  anchorAt: number;
  anchorIndex: number;
  periodIndex: number;
  periodEnd: number;
  status: RentalStatus;
  /** The last period a `license.expiring` warning was sent for (-1: none). */
  warnedIndex: number;
  createdAt: number;
  updatedAt: number;
}

/** One license file the node signed (rental renewals and temporary licenses keep their license id). */
export interface IssuedLicense {
  seq: number;
  licenseId: string;
  rentalId: string | null;
  hardwareKey: string;
  notAfter: number | null;
  text: string;
  issuedAt: number;
}

/**
 * Reads and writes inside one billing transaction. Asynchronous: the store keeps every other statement of its connection
 * out until the transaction ends (SQLite: one gate per file; PostgreSQL: a pooled connection of its own).
 */
export interface BillingTx {
  getAccount(id: string): Promise<BillingAccount | null>;
  insertAccount(a: BillingAccount): Promise<void>;
  /** Every account, oldest first, at most `limit`. */
  listAccounts(limit: number): Promise<BillingAccount[]>;
  /** Sum of the account's ledger, in minor units. */
  balance(accountId: string): Promise<number>;
  insertLedger(e: LedgerEntry): Promise<number>;
  findTopUp(reference: string): Promise<StoredLedgerEntry | null>;
  listLedger(accountId: string, after: number, limit: number): Promise<StoredLedgerEntry[]>;
  getPlan(id: string): Promise<RentalPlan | null>;
  insertPlan(p: RentalPlan): Promise<void>;
  /** Rewrites a plan's name, price and grace (the rest never changes). */
  updatePlan(p: RentalPlan): Promise<void>;
  listPlans(): Promise<RentalPlan[]>;
  getRental(id: string): Promise<RentalRecord | null>;
  getRentalByLicense(licenseId: string): Promise<RentalRecord | null>;
  insertRental(r: RentalRecord): Promise<void>;
  /** Writes `r` only if the stored row still has `expected` period index and status; false when someone else moved it. */
  updateRental(r: RentalRecord, expected: Pick<RentalRecord, 'periodIndex' | 'status'>): Promise<boolean>;
  /** Rentals the scheduler must look at: active or in grace and due by `dueBy` (ids, oldest period end first). */
  dueRentals(dueBy: number, limit: number): Promise<string[]>;
  rentalsOfAccount(accountId: string): Promise<RentalRecord[]>;
  insertIssued(l: Omit<IssuedLicense, 'seq'>): Promise<number>;
  latestIssued(licenseId: string): Promise<IssuedLicense | null>;
  latestIssuedForHardwareKey(hardwareKey: string): Promise<IssuedLicense | null>;
  /** Appends an event to the node's event feed in this transaction; returns its sequence number. */
  insertEvent(e: NewEvent): Promise<number>;
  /** Appends an admin action to the audit log in this transaction, so money never moves unrecorded. */
  insertAudit(a: NewAuditRecord): Promise<number>;
}

/** Billing persistence: every write goes through one transaction so money and licenses move together. */
export interface BillingStore {
  /**
   * Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, so two processes on one file serialize); a throw
   * rolls everything back. No other write of the store runs inside it, however long `fn` awaits; so `fn` must not
   * wait for another write of this store (nor another billing transaction) before it returns.
   */
  atomically<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T>;
  /** Runs read-only `fn` against a consistent snapshot. */
  read<T>(fn: (tx: BillingTx) => Promise<T>): Promise<T>;
}
