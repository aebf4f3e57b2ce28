import { addPeriods, formatMoney, type RentalPlan } from '@licensor/core';
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
import type { IssuerKeys } from '../issuer/issuer-keys.js';
import { buildLicensePayload } from '../issuer/issue-license.js';
import type { BillingAccount, BillingTx, RentalRecord } from '../store/billing-store.js';
import type { AuditActor } from '../store/store.js';
import {
  applyEffects,
  type BillingServiceOptions,
  type Effects,
  iso,
  newEffects,
  noIssuer,
  recordEvent,
  SYSTEM_ACTOR,
} from './billing-effects.js';
import { type RentalView, rentalView } from './billing-views.js';
import { takeRenewedLicense } from './renewed-license-file.js';
import { advanceRental, chargePeriod, RaceLost, type RenewalContext } from './rental-renewal.js';

/** What starting a rental asks for. */
export interface RentalInput {
  accountId: string;
  planId: string;
  hardwareKey: string;
  scope?: LicenseScope;
  keySource?: KeySource;
}

/**
 * Rental licenses: started by charging the first period, then renewed period by period from the balance by the
 * scheduler, in grace and lapsed when unfunded.
 */
export class BillingRentals {
  constructor(
    private readonly options: BillingServiceOptions,
    private readonly renewal: () => RenewalContext,
  ) {}

  /** Starts a rental: charges the first period and issues its license file, in one transaction. */
  async create(input: RentalInput, actor: AuditActor = SYSTEM_ACTOR): Promise<Outcome<RentalView>> {
    const keys = this.options.issuer;
    if (!keys) return noIssuer();
    const hw = parseHardwareKey(input.hardwareKey, 'hardwareKey');
    if (!hw.ok) return { ...hw, field: 'hardwareKey' };
    const now = this.options.clock.now();
    const effects = newEffects();
    const result = await this.options.store.atomically(async (tx): Promise<Outcome<RentalRecord>> => {
      const a = await tx.getAccount(input.accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${input.accountId}`, { field: 'accountId' });
      const plan = await tx.getPlan(input.planId);
      if (!plan) return fail('NOT_FOUND', `no rental plan ${input.planId}`, { field: 'planId' });
      if (plan.currency !== a.currency)
        return fail(
          'VALIDATION_FAILED',
          `plan ${plan.id} is priced in ${plan.currency}, the account holds ${a.currency}`,
          { field: 'planId' },
        );
      const balance = await tx.balance(a.id);
      if (balance < plan.price) {
        return fail(
          'INSUFFICIENT_BALANCE',
          `the balance ${formatMoney({ amount: balance, currency: a.currency })} does not cover the first period (${formatMoney({ amount: plan.price, currency: plan.currency })}); top up first`,
          { data: { balance, price: plan.price, currency: a.currency } },
        );
      }
      return this.open(tx, effects, { ...input, hardwareKey: hw.value }, a, plan, keys, actor, now);
    });
    await applyEffects(this.options.node, effects);
    if (!result.ok) return result;
    return this.get(result.value.id);
  }

  /** Signs the first period's file and writes the rental, its charge, the file, the event and the audit entry. */
  private async open(
    tx: BillingTx,
    effects: Effects,
    input: RentalInput,
    a: BillingAccount,
    plan: RentalPlan,
    keys: IssuerKeys,
    actor: AuditActor,
    now: number,
  ): Promise<Outcome<RentalRecord>> {
    const scope = input.scope ?? 'static';
    const periodEnd = addPeriods(now, plan.period, 1);
    const built = buildLicensePayload(
      {
        customerName: a.customerName,
        customerId: a.customerId,
        hardwareKey: input.hardwareKey,
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
      hardwareKey: input.hardwareKey,
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
    await tx.insertRental(rental);
    await chargePeriod(tx, rental, plan, now);
    const notAfter = periodEnd + plan.graceMs;
    const issued = { licenseId: payload.id, rentalId: rental.id, hardwareKey: input.hardwareKey, notAfter };
    await tx.insertIssued({ ...issued, text, issuedAt: now });
    const started = { accountId: a.id, planId: plan.id, licenseId: payload.id };
    const charged = { charged: plan.price, currency: plan.currency, paidUntil: iso(periodEnd) };
    await recordEvent(tx, effects, now, 'rental.started', rental.id, { ...started, ...charged });
    await tx.insertAudit({
      id: newId('aud'),
      at: now,
      actor,
      action: 'rental.started',
      target: rental.id,
      details: { ...started, hardwareKey: input.hardwareKey, ...charged },
    });
    if (input.hardwareKey === this.renewal().ownKey) effects.install.push(text);
    return ok(rental);
  }

  /** A rental with its current license file. */
  async get(id: string): Promise<Outcome<RentalView>> {
    const installed = this.options.node.license?.text;
    return this.options.store.read(async (tx) => {
      const r = await tx.getRental(id);
      if (!r) return fail('NOT_FOUND', `no rental ${id}`, { field: 'id' });
      return ok(rentalView(r, await tx.latestIssued(r.licenseId), installed));
    });
  }

  /**
   * The scheduler: renews every rental whose paid period has ended (balance permitting), moves unfunded ones to grace
   * and then to lapsed, and warns ahead of unfunded period ends. Each rental moves in its own transaction that
   * re-reads it, so two schedulers racing (timers, processes) charge a period once.
   */
  async tick(): Promise<{ renewed: number; lapsed: number; warned: number }> {
    const counts = { renewed: 0, lapsed: 0, warned: 0 };
    if (!this.options.issuer) return counts;
    const now = this.options.clock.now();
    const ctx = this.renewal();
    const due = await this.options.store.read((tx) => tx.dueRentals(now + ctx.leadMs, 500));
    for (const id of due) {
      const effects = newEffects();
      let what: string;
      try {
        what = await this.options.store.atomically(async (tx) => {
          const r = await tx.getRental(id);
          return r && r.status !== 'lapsed' ? advanceRental(ctx, tx, r, now, effects) : 'none';
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

  /**
   * At start: if this node's own license was renewed or extended here but the install did not happen (a crash
   * between the billing commit and the install), install the newest file now.
   */
  async start(): Promise<void> {
    const ownKey = this.renewal().ownKey;
    const latest = await this.options.store.read((tx) => tx.latestIssuedForHardwareKey(ownKey));
    if (latest) await takeRenewedLicense(this.options.node, latest.text, 'billing (start)');
  }
}
