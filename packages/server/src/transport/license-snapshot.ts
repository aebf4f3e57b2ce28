import type { LicenseEntitlement, LicenseStateName } from '@licensor/protocol';
import type { LicenseStatus } from '../node/node-license.js';
import type { PoolReader } from '../node/pool-table.js';

/** What a connected client must know of the node's license: its state, whether it is non-production, what it grants. */
export interface LicenseSnapshot {
  state: LicenseStateName;
  detail: string;
  nonProduction: boolean;
  entitlements: LicenseEntitlement[];
}

/**
 * The node's license as its clients see it now (quantities after this node's children took their share). Taken at
 * every allocation event: it must not walk the pools' members (a central allocating to 50,000 sites).
 */
export function licenseSnapshot(licensing: LicenseStatus, pools: PoolReader): LicenseSnapshot {
  const s = licensing.licenseState();
  const entitlements = pools.licensedQuantities().sort((a, b) => a.moduleId - b.moduleId);
  return { state: s.state as LicenseStateName, detail: s.detail, nonProduction: licensing.nonProduction, entitlements };
}

/** A key that changes whenever anything a client would see of the snapshot changes. */
export function snapshotKey(s: LicenseSnapshot): string {
  return `${s.state}|${s.nonProduction}|${s.entitlements.map((e) => `${e.moduleId}=${e.quantity ?? '*'}`).join(',')}`;
}
