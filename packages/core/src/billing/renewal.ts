import type { RentalPlan } from './rental-plan.js';

/** Where a rental stands: paid (`active`), unpaid but inside the plan's grace (`grace`), or `lapsed`. */
export type RentalStatus = 'active' | 'grace' | 'lapsed';

/** What the scheduler (or a top-up) should do with a rental now. */
export type RenewalDecision =
  /** The paid period has not ended: nothing to do. */
  | { kind: 'none' }
  /**
   * Charge one period and extend. `from` is where the new period starts: the old period end when the rental never
   * lapsed (no gap: the grace is not free time, a late scheduler causes no drift), or `now` when it lapsed (a
   * revived rental starts a fresh period).
   */
  | { kind: 'renew'; amount: number; from: number; continuous: boolean }
  /** Unpaid, inside the grace period: the license file still runs until `until`. */
  | { kind: 'grace'; until: number }
  /** Unpaid past the grace period: the license has lapsed. */
  | { kind: 'lapse' };

/**
 * The renewal decision for a rental whose paid period ends at `periodEnd`, given the account balance (minor units,
 * in the plan's currency) at `now`. Renews when the balance covers one period; otherwise grace, then lapse.
 */
export function renewalDecision(
  plan: Pick<RentalPlan, 'price' | 'graceMs'>,
  balance: number,
  periodEnd: number,
  now: number,
  status: RentalStatus = 'active',
): RenewalDecision {
  if (now < periodEnd && status === 'active') return { kind: 'none' };
  const inGrace = status !== 'lapsed' && now < periodEnd + plan.graceMs;
  if (balance >= plan.price) {
    // A rental that never lapsed continues from its period end, however late the scheduler runs (the caller starts
    // the period now instead if even the next end is already past); a lapsed one starts afresh.
    return status === 'lapsed'
      ? { kind: 'renew', amount: plan.price, from: now, continuous: false }
      : { kind: 'renew', amount: plan.price, from: periodEnd, continuous: true };
  }
  if (inGrace) return { kind: 'grace', until: periodEnd + plan.graceMs };
  return { kind: 'lapse' };
}

/**
 * Whether to warn that a rental will not renew: the period ends within `leadMs` and the balance does not cover the
 * next period. `lastWarnedPeriod` is the period already warned about (one warning per period).
 */
export function shouldWarnExpiring(
  plan: Pick<RentalPlan, 'price'>,
  balance: number,
  periodEnd: number,
  now: number,
  leadMs: number,
  periodIndex: number,
  lastWarnedPeriod: number,
): boolean {
  return periodIndex > lastWarnedPeriod && now < periodEnd && now >= periodEnd - leadMs && balance < plan.price;
}
