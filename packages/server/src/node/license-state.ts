import type { Catalog } from '@licensor/core';
import { checkValidity, type LicensePayload } from '@licensor/protocol';

/** A license file the node verified and stored. */
export interface InstalledLicense {
  payload: LicensePayload;
  text: string;
  installedAt: number;
  /** The module definitions the license signs (what the node enforces for them). */
  terms: Catalog;
}

/** Whether the node may do client work under its license right now. */
export type LicenseStateName = 'valid' | 'missing' | 'expired' | 'not_yet_valid';

/** The license state at a time, with a sentence for people. */
export function evaluateLicense(
  installed: InstalledLicense | null,
  now: number,
): { state: LicenseStateName; detail: string } {
  if (!installed) return { state: 'missing', detail: 'no license is installed on this node' };
  const v = checkValidity(installed.payload, now);
  if (v.ok)
    return {
      state: 'valid',
      detail: `license ${installed.payload.id} is valid${installed.payload.notAfter ? ` until ${installed.payload.notAfter}` : ' (permanent)'}`,
    };
  return { state: v.code === 'LICENSE_NOT_YET_VALID' ? 'not_yet_valid' : 'expired', detail: v.message };
}
