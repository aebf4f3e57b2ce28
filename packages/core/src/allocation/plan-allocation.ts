import { fail, ok, type Outcome } from '@licensor/protocol';
import type { Catalog } from '../catalog/module-definition.js';

/** Module quantities by module ID: what a node holds (null = unlimited) or hands to one child. */
export type Quantities = Map<number, number | null>;

/** Adds up what every child was allocated, per module. */
export function sumAllocations(allocations: Iterable<Map<number, number>>): Map<number, number> {
  const total = new Map<number, number>();
  for (const a of allocations) for (const [id, q] of a) total.set(id, (total.get(id) ?? 0) + q);
  return total;
}

/** What a node keeps for its own clients once its children have their allocations (never below zero). */
export function remainingQuantities(held: Quantities, allocatedOut: Map<number, number>): Quantities {
  const left: Quantities = new Map();
  for (const [id, q] of held) left.set(id, q === null ? null : Math.max(0, q - (allocatedOut.get(id) ?? 0)));
  return left;
}

/**
 * Checks one child's new allocation against what the node holds and what its other children already have. The sum
 * may never exceed the holding; shrinking below the child's current use is allowed (its pools apply their policy).
 * Zero quantities are dropped, so `{2001: 0}` takes a module away.
 */
export function planAllocation(
  catalog: Catalog,
  held: Quantities,
  toOthers: Map<number, number>,
  requested: Record<string, unknown>,
): Outcome<Map<number, number>> {
  const plan = new Map<number, number>();
  for (const [key, value] of Object.entries(requested)) {
    const moduleId = Number(key);
    const field = `modules.${key}`;
    if (!/^[1-9][0-9]*$/.test(key) || !Number.isSafeInteger(moduleId))
      return fail('VALIDATION_FAILED', `${field}: module IDs are positive integers`, { field });
    if (!Number.isSafeInteger(value) || (value as number) < 0)
      return fail(
        'VALIDATION_FAILED',
        `${field} must be a non-negative integer quantity, got ${JSON.stringify(value)}`,
        { field },
      );
    const module = catalog.modules.get(moduleId);
    if (!module) return fail('MODULE_UNKNOWN', `module ${moduleId} is not in this node's catalog`, { field });
    const quantity = value as number;
    if (quantity === 0) continue;
    if (!held.has(moduleId))
      return fail(
        'MODULE_NOT_LICENSED',
        `${module.name} (${moduleId}) is not held by this node, so it cannot be allocated`,
        { field, data: { moduleId } },
      );
    const cap = held.get(moduleId) ?? null;
    const others = toOthers.get(moduleId) ?? 0;
    if (cap !== null && others + quantity > cap) {
      return fail(
        'ALLOCATION_EXCEEDED',
        `${module.name} (${moduleId}): this node holds ${cap}, other subdivisions have ${others} (in allocations, or in signed documents they hold until those end), so at most ${cap - others} can go here, not ${quantity}`,
        {
          field,
          data: { moduleId, held: cap, allocatedElsewhere: others, requested: quantity },
        },
      );
    }
    plan.set(moduleId, quantity);
  }
  return ok(plan);
}
