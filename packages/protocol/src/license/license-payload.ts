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

/**
 * Where a node must read the hardware key the license is bound to, chosen by the vendor at issue time (FlexNet's
 * hostid types): `usb` the licensed USB drive, `machine-id` the machine identity, `any` whatever key the node is
 * given (a VM without USB, tests). Only `any` lets a node be started with an explicit `--hardware-key`.
 */
export type KeySource = 'usb' | 'machine-id' | 'any';

/** Every key source, strictest first. */
export const KEY_SOURCES: readonly KeySource[] = ['usb', 'machine-id', 'any'];

/**
 * The signed terms of one module, copied from the vendor's catalog at issue time: what it is and the admission policy
 * a node enforces for it (strategy, idle threshold, heartbeat TTL, over-quota operations, the application a feature
 * extends, the developer, its role in the hierarchy). Same fields as a catalog entry; the core validates them.
 */
export interface ModuleTerms {
  id: number;
  name: string;
  kind: string;
  policy: { strategy: string } & Record<string, unknown>;
  heartbeatTtlSeconds: number;
  developer: string;
  extends?: number;
  role?: string;
  description?: string;
}

/** The license format this code writes: 2, the first to carry key source and module terms, signed. */
export const LICENSE_FORMAT_VERSION = 2;

/** The signed content of a license file. Dates are ISO-8601 UTC strings. */
export interface LicensePayload {
  v: 2;
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
  /** Where the node reads its hardware key; a node refuses a key from any other source. */
  keySource: KeySource;
  /**
   * Terms of every module the license names (granted modules, a granted application's add-ons, the suite's server
   * applications): the node enforces these; its own catalog only names things and may tighten, never loosen.
   */
  modules: ModuleTerms[];
  issuedAt: string;
  notBefore: string;
  /** Null for a permanent license. */
  notAfter: string | null;
}
