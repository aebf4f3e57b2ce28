import type { Catalog } from '@licensor/core';
import type { LicensePayload } from '@licensor/protocol';

/**
 * What the license grants per module: a quantity, or null for unlimited. A developer license grants every module
 * of its developer, unlimited, so a test instance is never stopped by quantities while debugging.
 */
export function grantedQuantities(catalog: Catalog, license: LicensePayload | null): Map<number, number | null> {
  const granted = new Map<number, number | null>();
  if (!license) return granted;
  if (license.developer) {
    for (const m of catalog.modules.values()) if (m.developer === license.developer.id) granted.set(m.id, null);
  }
  for (const e of license.entitlements) {
    const prev = granted.get(e.moduleId);
    granted.set(e.moduleId, prev === null || e.quantity === null ? null : (prev ?? 0) + e.quantity);
  }
  return granted;
}
