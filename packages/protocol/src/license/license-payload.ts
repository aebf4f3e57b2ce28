/** How long a license runs. */
export type LicenseTerm =
  | { type: 'permanent' }
  | { type: 'temporary' }
  | { type: 'rental'; period: RentalPeriod; planId?: string };

/** Billing period of a rental license. */
export type RentalPeriod = 'day' | 'week' | 'month';

/** Centralized licenses can be allocated to subdivisions; static ones serve only the node they are installed on. */
export type LicenseScope = 'centralized' | 'static';

/** A quantity of one module. `quantity: null` means unlimited (uncounted modules, features, free plugins). */
export interface Entitlement {
  moduleId: number;
  quantity: number | null;
}

/** The signed content of a license file. Dates are ISO-8601 UTC strings. */
export interface LicensePayload {
  v: 1;
  id: string;
  issuer: string;
  customer: { id: string; name: string };
  hardwareKey: string;
  scope: LicenseScope;
  term: LicenseTerm;
  entitlements: Entitlement[];
  /** Set on a developer license: the named developer's modules all run, unlimited, marked non-production. */
  developer?: { id: string };
  /** Catalog the module IDs refer to. */
  catalog?: string;
  issuedAt: string;
  notBefore: string;
  /** Null for a permanent license. */
  notAfter: string | null;
}
