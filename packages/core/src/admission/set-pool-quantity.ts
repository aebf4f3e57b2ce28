import type { Change, DomainEvent, PoolState } from './pool-state.js';
import { applyQuota } from './quota.js';
import { recomputeMembers } from './recompute-members.js';
import { trimLeases } from './trim-leases.js';

/**
 * Applies a new licensed quantity (license installed, allocation changed) and, when given, the add-on features the
 * license grants. Members, the quota state and the slots follow at once: the latest members beyond it are blocked,
 * and slot holders beyond it lose their slots (trimLeases). `licensed: false` closes the pool of a module the node
 * does not hold at all (quantity 0): its holders are then refused by the license check, each told why (module not
 * licensed, license expired, allocation withdrawn), so their slots are not trimmed as if a quantity had fallen.
 */
export function setPoolQuantity(
  pool: PoolState,
  quantity: number | null,
  now: number,
  licensedFeatures?: ReadonlySet<number>,
  licensed = true,
): { changes: Change[]; events: DomainEvent[] } {
  if (quantity !== null && !(Number.isInteger(quantity) && quantity >= 0)) {
    // Quantities come from verified licenses and allocations; a bad one here is a bug upstream.
    throw new RangeError(`setPoolQuantity: quantity must be null or a non-negative integer, got ${quantity}`);
  }
  pool.quantity = quantity;
  if (licensedFeatures) pool.licensedFeatures = new Set(licensedFeatures);
  const members = recomputeMembers(pool, now);
  const quota = pool.quota ? reevaluateQuota(pool) : { changes: [], events: [] };
  const slots = licensed ? trimLeases(pool, now) : { changes: [], events: [] };
  return {
    changes: [...members.changes, ...quota.changes, ...slots.changes],
    events: [...members.events, ...quota.events, ...slots.events],
  };
}

/** True when the pool's licensed features are exactly `features`. */
export function sameLicensedFeatures(pool: PoolState, features: ReadonlySet<number>): boolean {
  if (pool.licensedFeatures.size !== features.size) return false;
  for (const f of features) if (!pool.licensedFeatures.has(f)) return false;
  return true;
}

/** Re-evaluates the last reported count against the new quantity, keeping its reportedAt; no change when nothing flips. */
function reevaluateQuota(pool: PoolState): { changes: Change[]; events: DomainEvent[] } {
  const last = pool.quota!;
  const state = pool.quantity !== null && last.count > pool.quantity ? 'over_quota' : 'ok';
  if (state === last.state) return { changes: [], events: [] };
  return applyQuota(pool, last.count, last.reportedAt);
}
