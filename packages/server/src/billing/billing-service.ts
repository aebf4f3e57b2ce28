import type { Catalog, LedgerEntry, RentalPlan } from '@licensor/core';
import { addPeriods, formatMoney, renewalDecision, sameTopUp, shouldWarnExpiring, validateCorrection, validateCurrency, validateRentalPlan, validateTopUp } from '@licensor/core';
import { type Entitlement, fail, type LicensePayload, type LicenseScope, newId, type Outcome, ok, parseHardwareKey, peekLicenseFile, signLicense } from '@licensor/protocol';
import { buildLicensePayload } from '../issuer/issue-license.js';
import type { IssuerKeys } from '../issuer/issuer-keys.js';
import type { Clock } from '../node/clock.js';
import type { FaultHook } from '../node/fault-injection.js';
import type { LicensorNode } from '../node/licensor-node.js';
import type { BillingAccount, BillingStore, BillingTx, IssuedLicense, RentalRecord, StoredLedgerEntry } from '../store/billing-store.js';
import { type AuditActor, eventId, type NewEvent, type StoredEvent } from '../store/store.js';

/** Who acts when no person does (the renewal scheduler, internal calls). */
const SYSTEM_ACTOR: AuditActor = { tokenId: null, name: 'system' };

/** What the billing service needs. */
export interface BillingServiceOptions {
  store: BillingStore;
  catalog: Catalog;
  clock: Clock;
  /** The vendor's signing keys; without them accounts and top-ups work, issuing and renewing licenses does not. */
  issuer: IssuerKeys | null;
  /** The node this runs on: license files for its own hardware key are installed on it; events go to its feed. */
  node: LicensorNode;
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

/** Side effects of a committed transaction: events to announce, license files to install on this node. */
interface Effects {
  events: NewEvent[];
  seqs: number[];
  install: string[];
}

/** Thrown inside a transaction to roll it back when another scheduler moved the rental first. */
class RaceLost extends Error {}

const DEFAULT_EXPIRING_LEAD_MS = 3 * 86_400_000;
const iso = (t: number) => new Date(t).toISOString();

/**
 * Billing and rentals on the vendor's node: prepaid accounts with an append-only ledger, rental plans, rental
 * licenses renewed period by period from the balance, and temporary licenses extended on request. Every change of
 * money happens in one store transaction together with the license it pays for.
 */
export class BillingService {
  private readonly store: BillingStore;
  private readonly lead: number;

  constructor(readonly options: BillingServiceOptions) {
    this.store = options.store;
    this.lead = options.expiringLeadMs ?? DEFAULT_EXPIRING_LEAD_MS;
  }

  private get now(): number {
    return this.options.clock.now();
  }

  private get ownKey(): string {
    return this.options.node.options.hardwareKey.key;
  }

  /** True when this node can sign license files. */
  get canIssue(): boolean {
    return this.options.issuer !== null;
  }

  private noIssuer() {
    return fail('ISSUER_KEY_MISSING', 'this node holds no issuer private key (start it with --issuer-dir pointing at a directory with issuer.key), so it cannot issue or renew licenses');
  }

  // ---------------------------------------------------------------- accounts and ledger

  /** Opens a billing account for a customer in one currency. */
  async createAccount(input: { customerName: string; customerId?: string; currency: string }): Promise<Outcome<AccountView>> {
    const name = input.customerName.trim();
    if (!name) return fail('VALIDATION_FAILED', 'customerName is empty', { field: 'customerName' });
    const currency = validateCurrency(input.currency);
    if (!currency.ok) return currency;
    const account: BillingAccount = { id: newId('acc'), customerId: input.customerId ?? newId('cus'), customerName: name, currency: currency.value, createdAt: this.now };
    await this.store.atomically((tx) => tx.insertAccount(account));
    return ok(this.accountView(account, 0));
  }

  /** An account with its balance. */
  async account(id: string): Promise<Outcome<AccountView>> {
    return this.store.read((tx) => {
      const a = tx.getAccount(id);
      return a ? ok(this.accountView(a, tx.balance(id))) : fail('NOT_FOUND', `no billing account ${id}`, { field: 'id' });
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
    return { id: a.id, customer: { id: a.customerId, name: a.customerName }, currency: a.currency, balance, balanceText: formatMoney({ amount: balance, currency: a.currency }), createdAt: a.createdAt };
  }

  /**
   * Records a payment. The payment reference makes it idempotent: the same reference again is not recorded twice and
   * answers `duplicate: true`. In the same transaction, rentals of the account that are lapsed, in grace or due are
   * renewed as far as the new balance covers them, oldest first.
   */
  async topUp(accountId: string, input: { amount: unknown; currency: unknown; reference: unknown }, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<{ duplicate: boolean; entry: StoredLedgerEntry; account: AccountView; renewed: string[] }>> {
    const effects: Effects = { events: [], seqs: [], install: [] };
    const now = this.now;
    const result = await this.store.atomically((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      const t = validateTopUp(input, a.currency);
      if (!t.ok) return t;
      const seen = tx.findTopUp(t.value.reference);
      if (seen) {
        if (!sameTopUp(seen, a.id, t.value)) {
          return fail('CONFLICT', `payment reference ${t.value.reference} is already recorded for another top-up (${seen.accountId}, ${seen.amount} ${seen.currency})`, { field: 'reference' });
        }
        return ok({ duplicate: true, entry: seen, account: this.accountView(a, tx.balance(a.id)), renewed: [] as string[] });
      }
      const entry: LedgerEntry = { id: newId('led'), accountId: a.id, kind: 'topup', amount: t.value.amount, currency: a.currency, reference: t.value.reference, rentalId: null, periodIndex: null, note: null, at: now };
      const seq = tx.insertLedger(entry);
      const balance = tx.balance(a.id);
      this.event(tx, effects, 'billing.topped_up', a.id, { amount: entry.amount, currency: a.currency, reference: entry.reference, balance });
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'billing.topped_up', target: a.id, details: { amount: entry.amount, currency: a.currency, reference: entry.reference } });
      const renewed: string[] = [];
      for (const r of tx.rentalsOfAccount(a.id)) {
        if (r.status === 'active' && r.periodEnd > now) continue;
        if (this.options.issuer && this.advance(tx, r, now, effects) === 'renewed') renewed.push(r.id);
      }
      return ok({ duplicate: false, entry: { ...entry, seq }, account: this.accountView(a, tx.balance(a.id)), renewed });
    });
    await this.apply(effects);
    return result;
  }

  /** A refund (credit back to the balance) or a staff adjustment (either sign); never below a zero balance. */
  async correct(accountId: string, input: { kind: 'refund' | 'adjustment'; amount: unknown; currency: unknown; reference?: string; note?: string }, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<{ entry: StoredLedgerEntry; account: AccountView }>> {
    const effects: Effects = { events: [], seqs: [], install: [] };
    const now = this.now;
    const result = await this.store.atomically((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      if (input.currency !== a.currency) return fail('VALIDATION_FAILED', `currency must be the account's currency ${a.currency}`, { field: 'currency' });
      const amount = validateCorrection(input.kind, input.amount, { amount: tx.balance(a.id), currency: a.currency });
      if (!amount.ok) return amount;
      const entry: LedgerEntry = { id: newId('led'), accountId: a.id, kind: input.kind, amount: amount.value, currency: a.currency, reference: input.reference ?? null, rentalId: null, periodIndex: null, note: input.note ?? null, at: now };
      const seq = tx.insertLedger(entry);
      this.event(tx, effects, `billing.${input.kind}`, a.id, { amount: entry.amount, currency: a.currency, balance: tx.balance(a.id) });
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: `billing.${input.kind}`, target: a.id, details: { amount: entry.amount, currency: a.currency, reference: entry.reference, note: entry.note } });
      return ok({ entry: { ...entry, seq }, account: this.accountView(a, tx.balance(a.id)) });
    });
    await this.apply(effects);
    return result;
  }

  /** Ledger entries oldest first after a cursor. */
  async ledger(accountId: string, after: number, limit: number): Promise<Outcome<{ account: AccountView; entries: StoredLedgerEntry[]; nextCursor: number }>> {
    return this.store.read((tx) => {
      const a = tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      const entries = tx.listLedger(accountId, after, limit);
      return ok({ account: this.accountView(a, tx.balance(a.id)), entries, nextCursor: entries.at(-1)?.seq ?? after });
    });
  }

  // ---------------------------------------------------------------- rental plans

  /** Creates a rental plan; its modules are checked against the catalog. */
  async createPlan(input: Record<string, unknown>, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalPlan>> {
    const v = validateRentalPlan(input);
    if (!v.ok) return v;
    const check = this.checkEntitlements(v.value.entitlements);
    if (!check.ok) return check;
    const plan: RentalPlan = { id: newId('pln'), createdAt: this.now, ...v.value };
    await this.store.atomically((tx) => {
      tx.insertPlan(plan);
      tx.insertAudit({ id: newId('aud'), at: plan.createdAt, actor, action: 'rental_plan.created', target: plan.id, details: { name: plan.name, period: plan.period, price: plan.price, currency: plan.currency, graceMs: plan.graceMs, entitlements: plan.entitlements } });
    });
    return ok(plan);
  }

  /**
   * Changes a plan's name, price or grace. The period, currency and modules stay: rentals already running are
   * anchored on the period and their license files carry the modules. A new price applies from the next charge.
   */
  async updatePlan(id: string, patch: { name?: unknown; price?: unknown; graceMs?: unknown }, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalPlan>> {
    const now = this.now;
    return this.store.atomically((tx): Outcome<RentalPlan> => {
      const prev = tx.getPlan(id);
      if (!prev) return fail('NOT_FOUND', `no rental plan ${id}`, { field: 'id' });
      const v = validateRentalPlan({ ...prev, ...Object.fromEntries(Object.entries(patch).filter(([, x]) => x !== undefined)) });
      if (!v.ok) return v;
      const plan: RentalPlan = { ...prev, name: v.value.name, price: v.value.price, graceMs: v.value.graceMs };
      const changed = Object.fromEntries((['name', 'price', 'graceMs'] as const).filter((k) => plan[k] !== prev[k]).map((k) => [k, { from: prev[k], to: plan[k] }]));
      if (Object.keys(changed).length === 0) return ok(prev);
      tx.updatePlan(plan);
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'rental_plan.changed', target: id, details: changed });
      return ok(plan);
    });
  }

  /** Every rental plan. */
  async listPlans(): Promise<RentalPlan[]> {
    return this.store.read((tx) => tx.listPlans());
  }

  private checkEntitlements(entitlements: Entitlement[]): Outcome<true> {
    // The same checks as issuing: known modules, quantities that fit each module's policy.
    const probe = buildLicensePayload({ customerName: 'plan check', hardwareKey: '0'.repeat(64), scope: 'static', term: { type: 'permanent' }, entitlements, issuer: 'plan check' }, this.options.catalog, new Date(this.now));
    if (!probe.ok) return { ...probe, field: 'entitlements' };
    return ok(true);
  }

  // ---------------------------------------------------------------- rentals

  /** Starts a rental: charges the first period and issues its license file, in one transaction. */
  async createRental(input: { accountId: string; planId: string; hardwareKey: string; scope?: LicenseScope }, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalView>> {
    const keys = this.options.issuer;
    if (!keys) return this.noIssuer();
    const hw = parseHardwareKey(input.hardwareKey, 'hardwareKey');
    if (!hw.ok) return { ...hw, field: 'hardwareKey' };
    const scope = input.scope ?? 'static';
    const now = this.now;
    const effects: Effects = { events: [], seqs: [], install: [] };
    const result = await this.store.atomically((tx): Outcome<RentalRecord> => {
      const a = tx.getAccount(input.accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${input.accountId}`, { field: 'accountId' });
      const plan = tx.getPlan(input.planId);
      if (!plan) return fail('NOT_FOUND', `no rental plan ${input.planId}`, { field: 'planId' });
      if (plan.currency !== a.currency) return fail('VALIDATION_FAILED', `plan ${plan.id} is priced in ${plan.currency}, the account holds ${a.currency}`, { field: 'planId' });
      const balance = tx.balance(a.id);
      if (balance < plan.price) {
        return fail('INSUFFICIENT_BALANCE', `the balance ${formatMoney({ amount: balance, currency: a.currency })} does not cover the first period (${formatMoney({ amount: plan.price, currency: plan.currency })}); top up first`, {
          data: { balance, price: plan.price, currency: a.currency },
        });
      }
      const periodEnd = addPeriods(now, plan.period, 1);
      const built = buildLicensePayload(
        { customerName: a.customerName, customerId: a.customerId, hardwareKey: hw.value, scope, term: { type: 'rental', period: plan.period, until: new Date(periodEnd + plan.graceMs) }, entitlements: plan.entitlements, notBefore: new Date(now), issuer: keys.kid },
        this.options.catalog,
        new Date(now),
      );
      if (!built.ok) return built;
      const payload: LicensePayload = { ...built.value.payload, term: { type: 'rental', period: plan.period, planId: plan.id } };
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
      this.charge(tx, rental, plan, now);
      tx.insertIssued({ licenseId: payload.id, rentalId: rental.id, hardwareKey: hw.value, notAfter: periodEnd + plan.graceMs, text, issuedAt: now });
      this.event(tx, effects, 'rental.started', rental.id, { accountId: a.id, planId: plan.id, licenseId: payload.id, charged: plan.price, currency: plan.currency, paidUntil: iso(periodEnd) });
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'rental.started', target: rental.id, details: { accountId: a.id, planId: plan.id, licenseId: payload.id, hardwareKey: hw.value, charged: plan.price, currency: plan.currency, paidUntil: iso(periodEnd) } });
      if (hw.value === this.ownKey) effects.install.push(text);
      return ok(rental);
    });
    await this.apply(effects);
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
      const effects: Effects = { events: [], seqs: [], install: [] };
      let what: string;
      try {
        what = await this.store.atomically((tx) => {
          const r = tx.getRental(id);
          return r && r.status !== 'lapsed' ? this.advance(tx, r, now, effects) : 'none';
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
      await this.apply(effects);
    }
    return counts;
  }

  /** Decides and applies the next step of one rental inside a transaction. */
  private advance(tx: BillingTx, r: RentalRecord, now: number, effects: Effects): 'none' | 'renewed' | 'grace' | 'lapsed' | 'warned' {
    const keys = this.options.issuer;
    const plan = tx.getPlan(r.planId);
    if (!keys || !plan) return 'none';
    const balance = tx.balance(r.accountId);
    const d = renewalDecision(plan, balance, r.periodEnd, now, r.status);
    const expected = { periodIndex: r.periodIndex, status: r.status };
    switch (d.kind) {
      case 'none': {
        if (!shouldWarnExpiring(plan, balance, r.periodEnd, now, this.lead, r.periodIndex, r.warnedIndex)) return 'none';
        if (!tx.updateRental({ ...r, warnedIndex: r.periodIndex, updatedAt: now }, expected)) throw new RaceLost();
        this.event(tx, effects, 'license.expiring', r.licenseId, { rentalId: r.id, accountId: r.accountId, paidUntil: iso(r.periodEnd), balance, price: plan.price, currency: plan.currency });
        return 'warned';
      }
      case 'grace': {
        if (r.status === 'grace') return 'none';
        if (!tx.updateRental({ ...r, status: 'grace', updatedAt: now }, expected)) throw new RaceLost();
        return 'grace';
      }
      case 'lapse': {
        if (r.status === 'lapsed') return 'none';
        if (!tx.updateRental({ ...r, status: 'lapsed', updatedAt: now }, expected)) throw new RaceLost();
        this.event(tx, effects, 'license.lapsed', r.licenseId, { rentalId: r.id, accountId: r.accountId, paidUntil: iso(r.periodEnd), balance, price: plan.price, currency: plan.currency });
        return 'lapsed';
      }
      case 'renew': {
        const next = r.periodIndex + 1;
        let anchorAt = d.continuous ? r.anchorAt : d.from;
        let anchorIndex = d.continuous ? r.anchorIndex : next;
        let periodEnd = addPeriods(anchorAt, plan.period, next - anchorIndex + 1);
        if (periodEnd <= now) {
          // A continuous renewal that would still end in the past (grace longer than a period, a node down for long):
          // start the paid period now rather than charge for time that is already gone.
          anchorAt = now;
          anchorIndex = next;
          periodEnd = addPeriods(now, plan.period, 1);
        }
        const prev = tx.latestIssued(r.licenseId);
        const prevPayload = prev ? peekLicenseFile(prev.text) : null;
        if (!prevPayload?.ok) throw new Error(`rental ${r.id} has no readable license file`);
        const notAfter = periodEnd + plan.graceMs;
        const payload: LicensePayload = { ...prevPayload.value, issuedAt: iso(now), notAfter: iso(notAfter) };
        const text = signLicense(payload, keys.privateKey, keys.publicKey);
        const updated: RentalRecord = { ...r, anchorAt, anchorIndex, periodIndex: next, periodEnd, status: 'active', updatedAt: now };
        // Guarded: only the transaction that still sees the old period moves it (and the unique charge index agrees).
        if (!tx.updateRental(updated, expected)) throw new RaceLost();
        this.charge(tx, updated, plan, now);
        tx.insertIssued({ licenseId: r.licenseId, rentalId: r.id, hardwareKey: r.hardwareKey, notAfter, text, issuedAt: now });
        // Test-only: dies here, charged and re-issued but not committed; the restart must show neither.
        this.options.fault?.('crash-after-charge');
        this.event(tx, effects, 'license.renewed', r.licenseId, {
          rentalId: r.id,
          accountId: r.accountId,
          periodIndex: next,
          charged: plan.price,
          currency: plan.currency,
          balance: tx.balance(r.accountId),
          paidUntil: iso(periodEnd),
          notAfter: iso(notAfter),
          revived: !d.continuous,
        });
        if (r.hardwareKey === this.ownKey) effects.install.push(text);
        return 'renewed';
      }
    }
  }

  private charge(tx: BillingTx, r: RentalRecord, plan: RentalPlan, now: number): void {
    tx.insertLedger({ id: newId('led'), accountId: r.accountId, kind: 'rental_charge', amount: -plan.price, currency: plan.currency, reference: null, rentalId: r.id, periodIndex: r.periodIndex, note: `${plan.name}: period ${r.periodIndex + 1} until ${iso(r.periodEnd)}`, at: now });
  }

  // ---------------------------------------------------------------- temporary licenses

  /** Issues a temporary license with an end date (sales on written request); kept so it can be extended. */
  async issueTemporary(input: { customerName: string; customerId?: string; hardwareKey: string; scope: LicenseScope; entitlements: Entitlement[]; until: string }, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<{ license: string; payload: LicensePayload; installedHere: boolean }>> {
    const keys = this.options.issuer;
    if (!keys) return this.noIssuer();
    const until = Date.parse(input.until);
    if (Number.isNaN(until)) return fail('VALIDATION_FAILED', `until ${JSON.stringify(input.until)} is not a date`, { field: 'until' });
    const now = this.now;
    const built = buildLicensePayload(
      { customerName: input.customerName, ...(input.customerId ? { customerId: input.customerId } : {}), hardwareKey: input.hardwareKey, scope: input.scope, term: { type: 'temporary', until: new Date(until) }, entitlements: input.entitlements, issuer: keys.kid, notBefore: new Date(now) },
      this.options.catalog,
      new Date(now),
    );
    if (!built.ok) return built;
    const payload = built.value.payload;
    const text = signLicense(payload, keys.privateKey, keys.publicKey);
    const effects: Effects = { events: [], seqs: [], install: payload.hardwareKey === this.ownKey ? [text] : [] };
    await this.store.atomically((tx) => {
      tx.insertIssued({ licenseId: payload.id, rentalId: null, hardwareKey: payload.hardwareKey, notAfter: until, text, issuedAt: now });
      this.event(tx, effects, 'license.issued', payload.id, { customer: payload.customer.name, term: 'temporary', notAfter: payload.notAfter });
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'license.issued', target: payload.id, details: { customer: payload.customer.name, hardwareKey: payload.hardwareKey, scope: payload.scope, term: 'temporary', notAfter: payload.notAfter, entitlements: payload.entitlements } });
    });
    await this.apply(effects);
    return ok({ license: text, payload, installedHere: this.options.node.license?.text === text });
  }

  /** The current file of a license this node issued. */
  async issued(licenseId: string): Promise<Outcome<{ license: string; payload: LicensePayload; rentalId: string | null }>> {
    return this.store.read((tx) => {
      const l = tx.latestIssued(licenseId);
      if (!l) return fail('NOT_FOUND', `this node issued no license ${licenseId}`, { field: 'id' });
      const p = peekLicenseFile(l.text);
      if (!p.ok) return p;
      return ok({ license: l.text, payload: p.value, rentalId: l.rentalId });
    });
  }

  /** Extends a temporary license: re-issues the same license id with a later end date. */
  async extend(licenseId: string, untilText: string, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<{ license: string; payload: LicensePayload; previousNotAfter: string | null; installedHere: boolean }>> {
    const keys = this.options.issuer;
    if (!keys) return this.noIssuer();
    const until = Date.parse(untilText);
    if (Number.isNaN(until)) return fail('VALIDATION_FAILED', `until ${JSON.stringify(untilText)} is not a date`, { field: 'until' });
    const now = this.now;
    const effects: Effects = { events: [], seqs: [], install: [] };
    const result = await this.store.atomically((tx) => {
      const l = tx.latestIssued(licenseId);
      if (!l) return fail('NOT_FOUND', `this node issued no license ${licenseId}`, { field: 'id' });
      const p = peekLicenseFile(l.text);
      if (!p.ok) return p;
      const prev = p.value;
      if (prev.term.type === 'permanent') return fail('CONFLICT', `license ${licenseId} is permanent: it has no end date to extend`);
      if (prev.term.type === 'rental') return fail('CONFLICT', `license ${licenseId} is a rental: it is extended by topping up its billing account (rental ${l.rentalId})`);
      if (until <= now) return fail('VALIDATION_FAILED', `until ${iso(until)} is in the past`, { field: 'until' });
      if (prev.notAfter !== null && until <= Date.parse(prev.notAfter)) return fail('VALIDATION_FAILED', `until ${iso(until)} is not after the current end ${prev.notAfter}`, { field: 'until' });
      const payload: LicensePayload = { ...prev, issuedAt: iso(now), notAfter: iso(until) };
      const text = signLicense(payload, keys.privateKey, keys.publicKey);
      tx.insertIssued({ licenseId, rentalId: null, hardwareKey: payload.hardwareKey, notAfter: until, text, issuedAt: now });
      this.event(tx, effects, 'license.extended', licenseId, { previousNotAfter: prev.notAfter, notAfter: payload.notAfter });
      tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'license.extended', target: licenseId, details: { previousNotAfter: prev.notAfter, notAfter: payload.notAfter } });
      if (payload.hardwareKey === this.ownKey) effects.install.push(text);
      return ok({ license: text, payload, previousNotAfter: prev.notAfter });
    });
    await this.apply(effects);
    if (!result.ok) return result;
    return ok({ ...result.value, installedHere: this.options.node.license?.text === result.value.license });
  }

  // ---------------------------------------------------------------- plumbing

  /**
   * At start: if this node's own license was renewed or extended here but the install did not happen (a crash
   * between the billing commit and the install), install the newest file now.
   */
  async start(): Promise<void> {
    const latest = await this.store.read((tx) => tx.latestIssuedForHardwareKey(this.ownKey));
    const installed = this.options.node.license;
    if (!latest || installed?.text === latest.text) return;
    if (installed && installed.payload.id !== latest.licenseId) return;
    if (installed && latest.notAfter !== null && installed.payload.notAfter !== null && latest.notAfter <= Date.parse(installed.payload.notAfter)) return;
    await this.options.node.installLicense(latest.text, 'billing (start)');
  }

  private event(tx: BillingTx, effects: Effects, type: string, subject: string, data: Record<string, unknown>): void {
    const e: NewEvent = { type, moduleId: null, subject, data, at: this.now };
    effects.seqs.push(tx.insertEvent(e));
    effects.events.push(e);
  }

  /** After the commit: tell subscribers, install renewed files for this very node. */
  private async apply(effects: Effects): Promise<void> {
    const stored: StoredEvent[] = effects.events.map((e, i) => ({ ...e, seq: effects.seqs[i] ?? 0, id: eventId(effects.seqs[i] ?? 0) }));
    if (stored.length) this.options.node.announce(stored);
    for (const text of effects.install) await this.options.node.installLicense(text, 'billing');
  }
}
