import type { RentalPlan } from '@licensor/core';
import type { Outcome } from '@licensor/protocol';
import type { StoredLedgerEntry } from '../store/billing-store.js';
import type { AuditActor } from '../store/store.js';
import { type BillingServiceOptions, SYSTEM_ACTOR } from './billing-effects.js';
import { BillingAccounts, type TopUpResult } from './billing-accounts.js';
import { BillingRentals, type RentalInput } from './billing-rentals.js';
import type { AccountView, RentalView } from './billing-views.js';
import { RentalPlanService } from './rental-plans.js';
import type { RenewalContext } from './rental-renewal.js';
import { TemporaryLicenseService } from './temporary-licenses.js';

export type { BillingServiceOptions } from './billing-effects.js';
export type { AccountView, RentalView } from './billing-views.js';

const DEFAULT_EXPIRING_LEAD_MS = 3 * 86_400_000;

/**
 * Billing and rentals on the vendor's node: prepaid accounts with an append-only ledger, rental plans, rental
 * licenses renewed period by period from the balance, and temporary licenses extended on request. Every change of
 * money happens in one store transaction together with the license it pays for. This is the one entry point the
 * routes and the node use; each concept lives in a service of its own.
 */
export class BillingService {
  /** Accounts, payments, corrections and the ledger. */
  readonly accountsOf: BillingAccounts;
  /** Rental plans (created and changed with an audit entry). */
  readonly plans: RentalPlanService;
  /** Rentals and their renewal scheduler. */
  readonly rentals: BillingRentals;
  /** Temporary licenses issued and extended on request. */
  readonly temporary: TemporaryLicenseService;

  constructor(readonly options: BillingServiceOptions) {
    const lead = options.expiringLeadMs ?? DEFAULT_EXPIRING_LEAD_MS;
    const renewal = (): RenewalContext => ({
      issuer: options.issuer,
      leadMs: lead,
      ownKey: options.node.options.hardwareKey.key,
      fault: options.fault,
    });
    this.accountsOf = new BillingAccounts(options, renewal);
    this.plans = new RentalPlanService(options.store, options.catalog, options.clock);
    this.rentals = new BillingRentals(options, renewal);
    this.temporary = new TemporaryLicenseService(options);
  }

  /** True when this node can sign license files. */
  get canIssue(): boolean {
    return this.options.issuer !== null;
  }

  /** Opens a billing account for a customer in one currency. */
  createAccount(input: { customerName: string; customerId?: string; currency: string }): Promise<Outcome<AccountView>> {
    return this.accountsOf.create(input);
  }

  /** An account with its balance. */
  account(id: string): Promise<Outcome<AccountView>> {
    return this.accountsOf.get(id);
  }

  /** Every account with its balance and its rentals (without their license files), oldest first. */
  accounts(limit: number): ReturnType<BillingAccounts['list']> {
    return this.accountsOf.list(limit);
  }

  /** Records a payment, idempotent by its reference; renews the rentals it funds (see BillingAccounts.topUp). */
  topUp(
    accountId: string,
    input: { amount: unknown; currency: unknown; reference: unknown },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<TopUpResult>> {
    return this.accountsOf.topUp(accountId, input, actor);
  }

  /** A refund (credit back to the balance) or a staff adjustment (either sign); never below a zero balance. */
  correct(
    accountId: string,
    input: { kind: 'refund' | 'adjustment'; amount: unknown; currency: unknown; reference?: string; note?: string },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<{ entry: StoredLedgerEntry; account: AccountView }>> {
    return this.accountsOf.correct(accountId, input, actor);
  }

  /** Ledger entries oldest first after a cursor. */
  ledger(accountId: string, after: number, limit: number): ReturnType<BillingAccounts['ledger']> {
    return this.accountsOf.ledger(accountId, after, limit);
  }

  /** Creates a rental plan; its modules are checked against the catalog. */
  createPlan(input: Record<string, unknown>, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalPlan>> {
    return this.plans.create(input, actor);
  }

  /** Changes a plan's name, price or grace (see RentalPlanService.update). */
  updatePlan(
    id: string,
    patch: { name?: unknown; price?: unknown; graceMs?: unknown },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<RentalPlan>> {
    return this.plans.update(id, patch, actor);
  }

  /** Every rental plan. */
  listPlans(): Promise<RentalPlan[]> {
    return this.plans.list();
  }

  /** Starts a rental: charges the first period and issues its license file, in one transaction. */
  createRental(input: RentalInput, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalView>> {
    return this.rentals.create(input, actor);
  }

  /** A rental with its current license file. */
  rental(id: string): Promise<Outcome<RentalView>> {
    return this.rentals.get(id);
  }

  /** The renewal scheduler's pass (see BillingRentals.tick). */
  tick(): Promise<{ renewed: number; lapsed: number; warned: number }> {
    return this.rentals.tick();
  }

  /** Issues a temporary license with an end date (see TemporaryLicenseService). */
  issueTemporary(...args: Parameters<TemporaryLicenseService['issue']>): ReturnType<TemporaryLicenseService['issue']> {
    return this.temporary.issue(...args);
  }

  /** The current file of a license this node issued. */
  issued(licenseId: string): ReturnType<TemporaryLicenseService['issued']> {
    return this.temporary.issued(licenseId);
  }

  /** Extends a temporary license: re-issues the same license id with a later end date. */
  extend(...args: Parameters<TemporaryLicenseService['extend']>): ReturnType<TemporaryLicenseService['extend']> {
    return this.temporary.extend(...args);
  }

  /** At start: installs this node's own newest renewed or extended file if a crash kept it from being installed. */
  start(): Promise<void> {
    return this.rentals.start();
  }
}
