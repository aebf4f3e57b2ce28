import type { Catalog } from '@licensor/core';
import type { Entitlement, LicensePayload } from '@licensor/protocol';

/**
 * What the license grants per module: a quantity, or null for unlimited. A developer license grants every module
 * of its developer that the license itself signs terms for, unlimited, so a test instance is never stopped by
 * quantities while debugging (and a local catalog cannot add modules to it).
 */
export function grantedQuantities(terms: Catalog | null, license: LicensePayload | null): Map<number, number | null> {
  const granted = new Map<number, number | null>();
  if (!license) return granted;
  if (license.developer && terms) {
    for (const m of terms.modules.values()) if (m.developer === license.developer.id) granted.set(m.id, null);
  }
  addEntitlements(granted, license.entitlements);
  return granted;
}

/** Adds entitlements to per-module quantities in place; unlimited (null) on either side stays unlimited. */
export function addEntitlements(granted: Map<number, number | null>, entitlements: readonly Entitlement[]): void {
  for (const e of entitlements) {
    const prev = granted.get(e.moduleId);
    granted.set(e.moduleId, prev === null || e.quantity === null ? null : (prev ?? 0) + e.quantity);
  }
}
