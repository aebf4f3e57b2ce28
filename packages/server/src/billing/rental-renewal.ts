import type { RentalPlan } from '@licensor/core';
import { addPeriods, renewalDecision, shouldWarnExpiring } from '@licensor/core';
import { type LicensePayload, newId, peekLicenseFile, signLicense } from '@licensor/protocol';
import type { IssuerKeys } from '../issuer/issuer-keys.js';
import type { FaultHook } from '../node/fault-injection.js';
import type { BillingTx, RentalRecord } from '../store/billing-store.js';
import { type Effects, iso, recordEvent } from './billing-effects.js';

/** Thrown inside a transaction to roll it back when another scheduler moved the rental first. */
export class RaceLost extends Error {}

/** What one step of a rental did. */
export type RentalStep = 'none' | 'renewed' | 'grace' | 'lapsed' | 'warned';

/** What a renewal step needs besides the transaction. */
export interface RenewalContext {
  issuer: IssuerKeys | null;
  /** How long before an unfunded period end `license.expiring` is sent. */
  leadMs: number;
  /** The node's own hardware key: files for it are installed after the commit. */
  ownKey: string;
  fault?: FaultHook | undefined;
}

/** Decides and applies the next step of one rental inside a transaction; throws RaceLost when another writer moved it. */
export async function advanceRental(
  ctx: RenewalContext,
  tx: BillingTx,
  r: RentalRecord,
  now: number,
  effects: Effects,
): Promise<RentalStep> {
  const keys = ctx.issuer;
  const plan = await tx.getPlan(r.planId);
  if (!keys || !plan) return 'none';
  const balance = await tx.balance(r.accountId);
  const d = renewalDecision(plan, balance, r.periodEnd, now, r.status);
  const expected = { periodIndex: r.periodIndex, status: r.status };
  switch (d.kind) {
    case 'none': {
      if (!shouldWarnExpiring(plan, balance, r.periodEnd, now, ctx.leadMs, r.periodIndex, r.warnedIndex)) return 'none';
      if (!(await tx.updateRental({ ...r, warnedIndex: r.periodIndex, updatedAt: now }, expected)))
        throw new RaceLost();
      await recordEvent(tx, effects, now, 'license.expiring', r.licenseId, {
        rentalId: r.id,
        accountId: r.accountId,
        paidUntil: iso(r.periodEnd),
        balance,
        price: plan.price,
        currency: plan.currency,
      });
      return 'warned';
    }
    case 'grace': {
      if (r.status === 'grace') return 'none';
      if (!(await tx.updateRental({ ...r, status: 'grace', updatedAt: now }, expected))) throw new RaceLost();
      return 'grace';
    }
    case 'lapse': {
      if (r.status === 'lapsed') return 'none';
      if (!(await tx.updateRental({ ...r, status: 'lapsed', updatedAt: now }, expected))) throw new RaceLost();
      await recordEvent(tx, effects, now, 'license.lapsed', r.licenseId, {
        rentalId: r.id,
        accountId: r.accountId,
        paidUntil: iso(r.periodEnd),
        balance,
        price: plan.price,
        currency: plan.currency,
      });
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
      const prev = await tx.latestIssued(r.licenseId);
      const prevPayload = prev ? peekLicenseFile(prev.text) : null;
      if (!prevPayload?.ok) throw new Error(`rental ${r.id} has no readable license file`);
      const notAfter = periodEnd + plan.graceMs;
      const payload: LicensePayload = { ...prevPayload.value, issuedAt: iso(now), notAfter: iso(notAfter) };
      const text = signLicense(payload, keys.privateKey, keys.publicKey);
      const updated: RentalRecord = {
        ...r,
        anchorAt,
        anchorIndex,
        periodIndex: next,
        periodEnd,
        status: 'active',
        updatedAt: now,
      };
      // Guarded: only the transaction that still sees the old period moves it (and the unique charge index agrees).
      if (!(await tx.updateRental(updated, expected))) throw new RaceLost();
      await chargePeriod(tx, updated, plan, now);
      await tx.insertIssued({
        licenseId: r.licenseId,
        rentalId: r.id,
        hardwareKey: r.hardwareKey,
        notAfter,
        text,
        issuedAt: now,
      });
      // Test-only: dies here, charged and re-issued but not committed; the restart must show neither.
      ctx.fault?.('crash-after-charge');
      await recordEvent(tx, effects, now, 'license.renewed', r.licenseId, {
        rentalId: r.id,
        accountId: r.accountId,
        periodIndex: next,
        charged: plan.price,
        currency: plan.currency,
        balance: await tx.balance(r.accountId),
        paidUntil: iso(periodEnd),
        notAfter: iso(notAfter),
        revived: !d.continuous,
      });
      if (r.hardwareKey === ctx.ownKey) effects.install.push(text);
      return 'renewed';
    }
  }
}

/** The ledger entry that pays period `r.periodIndex` (unique per rental and period in the store). */
export async function chargePeriod(tx: BillingTx, r: RentalRecord, plan: RentalPlan, now: number): Promise<void> {
  await tx.insertLedger({
    id: newId('led'),
    accountId: r.accountId,
    kind: 'rental_charge',
    amount: -plan.price,
    currency: plan.currency,
    reference: null,
    rentalId: r.id,
    periodIndex: r.periodIndex,
    note: `${plan.name}: period ${r.periodIndex + 1} until ${iso(r.periodEnd)}`,
    at: now,
  });
}
