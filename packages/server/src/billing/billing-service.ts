import type { LedgerEntry, RentalPlan } from '@licensor/core';
import {
  addPeriods,
  checkBalanceRoom,
  formatMoney,
  sameTopUp,
  validateCorrection,
  validateCurrency,
  validateTopUp,
} from '@licensor/core';
import {
  fail,
  type KeySource,
  type LicensePayload,
  type LicenseScope,
  newId,
  type Outcome,
  ok,
  parseHardwareKey,
  signLicense,
} from '@licensor/protocol';
import { buildLicensePayload } from '../issuer/issue-license.js';
import type { FaultHook } from '../node/fault-injection.js';
import type {
  BillingAccount,
  BillingStore,
  IssuedLicense,
  RentalRecord,
  StoredLedgerEntry,
} from '../store/billing-store.js';
import type { AuditActor } from '../store/store.js';
import {
  applyEffects,
  type BillingParts,
  iso,
  newEffects,
  noIssuer,
  recordEvent,
  SYSTEM_ACTOR,
} from './billing-effects.js';
import { RentalPlanService } from './rental-plans.js';
import { takeRenewedLicense } from './renewed-license-file.js';
import { advanceRental, chargePeriod, RaceLost, type RenewalContext } from './rental-renewal.js';
import { TemporaryLicenseService } from './temporary-licenses.js';

/** What the billing service needs. */
export interface BillingServiceOptions extends BillingParts {
  /** How long before an unfunded period end `license.expiring` is sent (default 3 days). */
  expiringLeadMs?: number;
  /** Test-only crash points (LICENSOR_FAULT); absent in production. */
  fault?: FaultHook;
}

/** An account as the API shows it. */
export interface AccountView {
  id: string;
  customer: { id: string; name: string };
  currency: string;
  balance: number;
  balanceText: string;
  createdAt: number;
}

/** A rental as the API shows it, with its current license file. */
export interface RentalView {
  id: string;
  accountId: string;
  planId: string;
  licenseId: string;
  hardwareKey: string;
  scope: LicenseScope;
  status: RentalRecord['status'];
  periodIndex: number;
  paidUntil: string;
  /** End of the current license file: the paid end plus the plan's grace. */
  notAfter: string | null;
  license: string | null;
  installedHere: boolean;
}

const DEFAULT_EXPIRING_LEAD_MS = 3 * 86_400_000;

/**
 * Billing and rentals on the vendor's node: prepaid accounts with an append-only ledger, rental plans, rental
 * licenses renewed period by period from the balance, and temporary licenses extended on request. Every change of
 * money happens in one store transaction together with the license it pays for.
 */
export class BillingService {
  private readonly store: BillingStore;
  private readonly lead: number;
  /** Rental plans (created and changed with an audit entry). */
  readonly plans: RentalPlanService;
  /** Temporary licenses issued and extended on request. */
  readonly temporary: TemporaryLicenseService;

  constructor(readonly options: BillingServiceOptions) {
    this.store = options.store;
    this.lead = options.expiringLeadMs ?? DEFAULT_EXPIRING_LEAD_MS;
    this.plans = new RentalPlanService(options.store, options.catalog, options.clock);
    this.temporary = new TemporaryLicenseService(options);
  }

  private get now(): number {
    return this.options.clock.now();
  }

  private get renewal(): RenewalContext {
    return { issuer: this.options.issuer, leadMs: this.lead, ownKey: this.ownKey, fault: this.options.fault };
  }

  private get ownKey(): string {
    return this.options.node.options.hardwareKey.key;
  }

  /** True when this node can sign license files. */
  get canIssue(): boolean {
    return this.options.issuer !== null;
  }

  // ---------------------------------------------------------------- accounts and ledger

  /** Opens a billing account for a customer in one currency. */
  async createAccount(input: {
    customerName: string;
    customerId?: string;
    currency: string;
  }): Promise<Outcome<AccountView>> {
    const name = input.customerName.trim();
    if (!name) return fail('VALIDATION_FAILED', 'customerName is empty', { field: 'customerName' });
    const currency = validateCurrency(input.currency);
    if (!currency.ok) return currency;
    const account: BillingAccount = {
      id: newId('acc'),
      customerId: input.customerId ?? newId('cus'),
      customerName: name,
      currency: currency.value,
      createdAt: this.now,
    };
    await this.store.atomically((tx) => tx.insertAccount(account));
    return ok(this.accountView(account, 0));
  }

  /** An account with its balance. */
  async account(id: string): Promise<Outcome<AccountView>> {
    return this.store.read((tx) => {
      const a = tx.getAccount(id);
      return a
        ? ok(this.accountView(a, tx.balance(id)))
        : fail('NOT_FOUND', `no billing account ${id}`, { field: 'id' });
    });
  }

  /** Every account with its balance and its rentals (without their license files), oldest first. */
  async accounts(limit: number): Promise<{ accounts: (AccountView & { rentals: Omit<RentalView, 'license'>[] })[] }> {
    return this.store.read((tx) => ({
      accounts: tx.listAccounts(limit).map((a) => ({
        ...this.accountView(a, tx.balance(a.id)),
        rentals: tx.rentalsOfAccount(a.id).map((r) => {
          const { license: _text, ...view } = this.rentalView(r, tx.latestIssued(r.licenseId));
          return view;
        }),
      })),
    }));
  }

  private accountView(a: BillingAccount, balance: number): AccountView {
    return {
      id: a.id,
      customer: { id: a.customerId, name: a.customerName },
      currency: a.currency,
      balance,
      balanceText: formatMoney({ amount: balance, currency: a.currency }),
      createdAt: a.createdAt,
    };
  }

  /**
   * Records a payment. The payment reference makes it idempotent: the same reference again is not recorded twice and
   * answers `duplicate: true`. In the same transaction, rentals of the account that are lapsed, in grace or due are
   * renewed as far as the new balance covers them, oldest first.
   */
  async topUp(
    accountId: string,
    input: { amount: unknown; currency: unknown; reference: unknown },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<{ duplicate: boolean; entry: StoredLedgerEntry; account: AccountView; renewed: string[] }>> {
    const effects = newEffects();
    const now = this.now;
    const result = await this.store.atomically((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      const t = validateTopUp(input, a.currency);
      if (!t.ok) return t;
      const seen = tx.findTopUp(t.value.reference);
      if (seen) {
        if (!sameTopUp(seen, a.id, t.value)) {
          return fail(
            'CONFLICT',
            `payment reference ${t.value.reference} is already recorded for another top-up (${seen.accountId}, ${seen.amount} ${seen.currency})`,
            { field: 'reference' },
          );
        }
        return ok({
          duplicate: true,
          entry: seen,
          account: this.accountView(a, tx.balance(a.id)),
          renewed: [] as string[],
        });
      }
      const room = checkBalanceRoom(tx.balance(a.id), t.value.amount);
      if (!room.ok) return room;
      const entry: LedgerEntry = {
        id: newId('led'),
        accountId: a.id,
        kind: 'topup',
        amount: t.value.amount,
        currency: a.currency,
        reference: t.value.reference,
        rentalId: null,
        periodIndex: null,
        note: null,
        at: now,
      };
      const seq = tx.insertLedger(entry);
      const balance = tx.balance(a.id);
      recordEvent(tx, effects, this.now, 'billing.topped_up', a.id, {
        amount: entry.amount,
        currency: a.currency,
        reference: entry.reference,
        balance,
      });
      tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: 'billing.topped_up',
        target: a.id,
        details: { amount: entry.amount, currency: a.currency, reference: entry.reference },
      });
      const renewed: string[] = [];
      for (const r of tx.rentalsOfAccount(a.id)) {
        if (r.status === 'active' && r.periodEnd > now) continue;
        if (this.options.issuer && advanceRental(this.renewal, tx, r, now, effects) === 'renewed') renewed.push(r.id);
      }
      return ok({
        duplicate: false,
        entry: { ...entry, seq },
        account: this.accountView(a, tx.balance(a.id)),
        renewed,
      });
    });
    await applyEffects(this.options.node, effects);
    return result;
  }

  /** A refund (credit back to the balance) or a staff adjustment (either sign); never below a zero balance. */
  async correct(
    accountId: string,
    input: { kind: 'refund' | 'adjustment'; amount: unknown; currency: unknown; reference?: string; note?: string },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<{ entry: StoredLedgerEntry; account: AccountView }>> {
    const effects = newEffects();
    const now = this.now;
    const result = await this.store.atomically((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      if (input.currency !== a.currency)
        return fail('VALIDATION_FAILED', `currency must be the account's currency ${a.currency}`, {
          field: 'currency',
        });
      const amount = validateCorrection(input.kind, input.amount, { amount: tx.balance(a.id), currency: a.currency });
      if (!amount.ok) return amount;
      const entry: LedgerEntry = {
        id: newId('led'),
        accountId: a.id,
        kind: input.kind,
        amount: amount.value,
        currency: a.currency,
        reference: input.reference ?? null,
        rentalId: null,
        periodIndex: null,
        note: input.note ?? null,
        at: now,
      };
      const seq = tx.insertLedger(entry);
      recordEvent(tx, effects, this.now, `billing.${input.kind}`, a.id, {
        amount: entry.amount,
        currency: a.currency,
        balance: tx.balance(a.id),
      });
      tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: `billing.${input.kind}`,
        target: a.id,
        details: { amount: entry.amount, currency: a.currency, reference: entry.reference, note: entry.note },
      });
      return ok({ entry: { ...entry, seq }, account: this.accountView(a, tx.balance(a.id)) });
    });
    await applyEffects(this.options.node, effects);
    return result;
  }

  /** Ledger entries oldest first after a cursor. */
  async ledger(
    accountId: string,
    after: number,
    limit: number,
  ): Promise<Outcome<{ account: AccountView; entries: StoredLedgerEntry[]; nextCursor: number }>> {
    return this.store.read((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      const entries = tx.listLedger(accountId, after, limit);
      return ok({ account: this.accountView(a, tx.balance(a.id)), entries, nextCursor: entries.at(-1)?.seq ?? after });
    });
  }

  // ---------------------------------------------------------------- rental plans

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

  // ---------------------------------------------------------------- rentals

  /** Starts a rental: charges the first period and issues its license file, in one transaction. */
  async createRental(
    input: { accountId: string; planId: string; hardwareKey: string; scope?: LicenseScope; keySource?: KeySource },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<RentalView>> {
    const keys = this.options.issuer;
    if (!keys) return noIssuer();
    const hw = parseHardwareKey(input.hardwareKey, 'hardwareKey');
    if (!hw.ok) return { ...hw, field: 'hardwareKey' };
    const scope = input.scope ?? 'static';
    const now = this.now;
    const effects = newEffects();
    const result = await this.store.atomically((tx): Outcome<RentalRecord> => {
      const a = tx.getAccount(input.accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${input.accountId}`, { field: 'accountId' });
      const plan = tx.getPlan(input.planId);
      if (!plan) return fail('NOT_FOUND', `no rental plan ${input.planId}`, { field: 'planId' });
      if (plan.currency !== a.currency)
        return fail(
          'VALIDATION_FAILED',
          `plan ${plan.id} is priced in ${plan.currency}, the account holds ${a.currency}`,
          { field: 'planId' },
        );
      const balance = tx.balance(a.id);
      if (balance < plan.price) {
        return fail(
          'INSUFFICIENT_BALANCE',
          `the balance ${formatMoney({ amount: balance, currency: a.currency })} does not cover the first period (${formatMoney({ amount: plan.price, currency: plan.currency })}); top up first`,
          {
            data: { balance, price: plan.price, currency: a.currency },
          },
        );
      }
      const periodEnd = addPeriods(now, plan.period, 1);
      const built = buildLicensePayload(
        {
          customerName: a.customerName,
          customerId: a.customerId,
          hardwareKey: hw.value,
          scope,
          term: { type: 'rental', period: plan.period, until: new Date(periodEnd + plan.graceMs) },
          entitlements: plan.entitlements,
          notBefore: new Date(now),
          issuer: keys.kid,
          ...(input.keySource ? { keySource: input.keySource } : {}),
        },
        this.options.catalog,
        new Date(now),
      );
      if (!built.ok) return built;
      const payload: LicensePayload = {
        ...built.value.payload,
        term: { type: 'rental', period: plan.period, planId: plan.id },
      };
      const text = signLicense(payload, keys.privateKey, keys.publicKey);
      const rental: RentalRecord = {
        id: newId('rnt'),
        accountId: a.id,
        planId: plan.id,
        licenseId: payload.id,
        hardwareKey: hw.value,
        scope,
        customerName: a.customerName,
        anchorAt: now,
        anchorIndex: 0,
        periodIndex: 0,
        periodEnd,
        status: 'active',
        warnedIndex: -1,
        createdAt: now,
        updatedAt: now,
      };
      tx.insertRental(rental);
      chargePeriod(tx, rental, plan, now);
      tx.insertIssued({
        licenseId: payload.id,
        rentalId: rental.id,
        hardwareKey: hw.value,
        notAfter: periodEnd + plan.graceMs,
        text,
        issuedAt: now,
      });
      recordEvent(tx, effects, this.now, 'rental.started', rental.id, {
        accountId: a.id,
        planId: plan.id,
        licenseId: payload.id,
        charged: plan.price,
        currency: plan.currency,
        paidUntil: iso(periodEnd),
      });
      tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: 'rental.started',
        target: rental.id,
        details: {
          accountId: a.id,
          planId: plan.id,
          licenseId: payload.id,
          hardwareKey: hw.value,
          charged: plan.price,
          currency: plan.currency,
          paidUntil: iso(periodEnd),
        },
      });
      if (hw.value === this.ownKey) effects.install.push(text);
      return ok(rental);
    });
    await applyEffects(this.options.node, effects);
    if (!result.ok) return result;
    return this.rental(result.value.id);
  }

  /** A rental with its current license file. */
  async rental(id: string): Promise<Outcome<RentalView>> {
    return this.store.read((tx) => {
      const r = tx.getRental(id);
      if (!r) return fail('NOT_FOUND', `no rental ${id}`, { field: 'id' });
      return ok(this.rentalView(r, tx.latestIssued(r.licenseId)));
    });
  }

  private rentalView(r: RentalRecord, issued: IssuedLicense | null): RentalView {
    return {
      id: r.id,
      accountId: r.accountId,
      planId: r.planId,
      licenseId: r.licenseId,
      hardwareKey: r.hardwareKey,
      scope: r.scope,
      status: r.status,
      periodIndex: r.periodIndex,
      paidUntil: iso(r.periodEnd),
      notAfter: issued?.notAfter != null ? iso(issued.notAfter) : null,
      license: issued?.text ?? null,
      installedHere: this.options.node.license?.text === issued?.text && issued !== null,
    };
  }

  /**
   * The scheduler: renews every rental whose paid period has ended (balance permitting), moves unfunded ones to grace
   * and then to lapsed, and warns ahead of unfunded period ends. Each rental moves in its own transaction that
   * re-reads it, so two schedulers racing (timers, processes) charge a period once.
   */
  async tick(): Promise<{ renewed: number; lapsed: number; warned: number }> {
    const counts = { renewed: 0, lapsed: 0, warned: 0 };
    if (!this.options.issuer) return counts;
    const now = this.now;
    const due = await this.store.read((tx) => tx.dueRentals(now + this.lead, 500));
    for (const id of due) {
      const effects = newEffects();
      let what: string;
      try {
        what = await this.store.atomically((tx) => {
          const r = tx.getRental(id);
          return r && r.status !== 'lapsed' ? advanceRental(this.renewal, tx, r, now, effects) : 'none';
        });
      } catch (err) {
        if (err instanceof RaceLost) continue;
        throw err;
      }
      // Test-only: dies after the commit, before the renewed file is installed; the restart must install it.
      if (what === 'renewed') this.options.fault?.('crash-after-renewal-commit');
      if (what === 'renewed') counts.renewed++;
      else if (what === 'lapsed') counts.lapsed++;
      else if (what === 'warned') counts.warned++;
      await applyEffects(this.options.node, effects);
    }
    return counts;
  }

  // ---------------------------------------------------------------- temporary licenses

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

  // ---------------------------------------------------------------- plumbing

  /**
   * At start: if this node's own license was renewed or extended here but the install did not happen (a crash
   * between the billing commit and the install), install the newest file now.
   */
  async start(): Promise<void> {
    const latest = await this.store.read((tx) => tx.latestIssuedForHardwareKey(this.ownKey));
    if (latest) await takeRenewedLicense(this.options.node, latest.text, 'billing (start)');
  }
}
