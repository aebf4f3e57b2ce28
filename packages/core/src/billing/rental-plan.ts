import { type Entitlement, fail, ok, type Outcome, type RentalPeriod } from '@licensor/protocol';
import { validateCurrency, validateMinorUnits } from './money.js';

/** A price per period for a set of entitlements; a rental license runs on one plan. */
export interface RentalPlan {
  id: string;
  name: string;
  period: RentalPeriod;
  /** Price of one period in minor units of `currency`. */
  price: number;
  currency: string;
  /** After an unpaid period end, apps keep working this long before the license lapses (0 = none). */
  graceMs: number;
  entitlements: Entitlement[];
  createdAt: number;
}

const PERIODS: readonly RentalPeriod[] = ['day', 'week', 'month'];
const MAX_GRACE_MS = 90 * 86_400_000;

/** The fields of a new plan, checked; messages name the field. Module IDs are checked against a catalog elsewhere. */
export function validateRentalPlan(input: {
  name?: unknown;
  period?: unknown;
  price?: unknown;
  currency?: unknown;
  graceMs?: unknown;
  entitlements?: unknown;
}): Outcome<Omit<RentalPlan, 'id' | 'createdAt'>> {
  if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 200)
    return fail('VALIDATION_FAILED', 'name must be 1–200 characters', { field: 'name' });
  if (!PERIODS.includes(input.period as RentalPeriod))
    return fail('VALIDATION_FAILED', `period must be day, week or month, got ${JSON.stringify(input.period)}`, {
      field: 'period',
    });
  const price = validateMinorUnits(input.price, 'price');
  if (!price.ok) return price;
  const currency = validateCurrency(input.currency);
  if (!currency.ok) return currency;
  const grace = input.graceMs ?? 0;
  if (typeof grace !== 'number' || !Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_MS) {
    return fail('VALIDATION_FAILED', `graceMs must be an integer from 0 to ${MAX_GRACE_MS} (90 days)`, {
      field: 'graceMs',
    });
  }
  if (!Array.isArray(input.entitlements) || input.entitlements.length === 0)
    return fail('VALIDATION_FAILED', 'entitlements must list at least one module', { field: 'entitlements' });
  const seen = new Set<number>();
  const entitlements: Entitlement[] = [];
  for (const [i, e] of (input.entitlements as unknown[]).entries()) {
    const x = e as { moduleId?: unknown; quantity?: unknown };
    if (typeof x?.moduleId !== 'number' || !Number.isSafeInteger(x.moduleId) || x.moduleId <= 0)
      return fail('VALIDATION_FAILED', `entitlements.${i}.moduleId must be a positive integer`, {
        field: `entitlements.${i}.moduleId`,
      });
    if (seen.has(x.moduleId))
      return fail('VALIDATION_FAILED', `module ${x.moduleId} is given twice`, { field: `entitlements.${i}.moduleId` });
    seen.add(x.moduleId);
    const q = x.quantity ?? null;
    if (q !== null && (typeof q !== 'number' || !Number.isSafeInteger(q) || q <= 0))
      return fail('VALIDATION_FAILED', `entitlements.${i}.quantity must be a positive integer or null`, {
        field: `entitlements.${i}.quantity`,
      });
    entitlements.push({ moduleId: x.moduleId, quantity: q });
  }
  return ok({
    name: input.name.trim(),
    period: input.period as RentalPeriod,
    price: price.value,
    currency: currency.value,
    graceMs: grace,
    entitlements,
  });
}
