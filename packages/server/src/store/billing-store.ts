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

/** Reads and writes inside one billing transaction. Synchronous: the transaction never yields to other work. */
export interface BillingTx {
  getAccount(id: string): BillingAccount | null;
  insertAccount(a: BillingAccount): void;
  /** Every account, oldest first, at most `limit`. */
  listAccounts(limit: number): BillingAccount[];
  /** Sum of the account's ledger, in minor units. */
  balance(accountId: string): number;
  insertLedger(e: LedgerEntry): number;
  findTopUp(reference: string): StoredLedgerEntry | null;
  listLedger(accountId: string, after: number, limit: number): StoredLedgerEntry[];
  getPlan(id: string): RentalPlan | null;
  insertPlan(p: RentalPlan): void;
  /** Rewrites a plan's name, price and grace (the rest never changes). */
  updatePlan(p: RentalPlan): void;
  listPlans(): RentalPlan[];
  getRental(id: string): RentalRecord | null;
  getRentalByLicense(licenseId: string): RentalRecord | null;
  insertRental(r: RentalRecord): void;
  /** Writes `r` only if the stored row still has `expected` period index and status; false when someone else moved it. */
  updateRental(r: RentalRecord, expected: Pick<RentalRecord, 'periodIndex' | 'status'>): boolean;
  /** Rentals the scheduler must look at: active or in grace and due by `dueBy` (ids, oldest period end first). */
  dueRentals(dueBy: number, limit: number): string[];
  rentalsOfAccount(accountId: string): RentalRecord[];
  insertIssued(l: Omit<IssuedLicense, 'seq'>): number;
  latestIssued(licenseId: string): IssuedLicense | null;
  latestIssuedForHardwareKey(hardwareKey: string): IssuedLicense | null;
  /** Appends an event to the node's event feed in this transaction; returns its sequence number. */
  insertEvent(e: NewEvent): number;
  /** Appends an admin action to the audit log in this transaction, so money never moves unrecorded. */
  insertAudit(a: NewAuditRecord): number;
}

/** Billing persistence: every write goes through one transaction so money and licenses move together. */
export interface BillingStore {
  /**
   * Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, so two processes on one file serialize); a throw
   * rolls everything back. `fn` must be synchronous.
   */
  atomically<T>(fn: (tx: BillingTx) => T): Promise<T>;
  /** Runs read-only `fn` against a consistent snapshot. */
  read<T>(fn: (tx: BillingTx) => T): Promise<T>;
}
