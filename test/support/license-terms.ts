import { type Catalog, parseCatalog, termsOf } from '@licensor/core';
import { type Entitlement, type KeySource, type LicensePayload, type ModuleTerms, newId } from '@licensor/protocol';
import { defaultCatalogFiles, loadCatalogFiles } from '../../packages/server/src/catalog/load-catalog-file.js';
import { signedModules } from '../../packages/server/src/issuer/issue-license.js';

let shipped: Catalog | null = null;

/** The catalogs shipped in catalogs/ (OpenService and the Syrve plugin examples), merged. */
export function shippedCatalog(): Catalog {
  if (!shipped) {
    const c = loadCatalogFiles(defaultCatalogFiles());
    if (!c.ok) throw new Error(c.message);
    shipped = c.value;
  }
  return shipped;
}

/**
 * The signed parts of a test license as the vendor CLI writes them: the module terms copied from the shipped catalogs
 * and a key source (`any` by default: test nodes are given their key by hand). Where the entitlements come from a
 * suite with server applications but name none, the Data Server (static) or License Server (centralized) is granted
 * too, as a vendor would, unless `serverApplication: false`.
 */
export function licenseTerms(
  entitlements: Entitlement[],
  opts: {
    developer?: string;
    scope?: 'centralized' | 'static';
    keySource?: KeySource;
    serverApplication?: boolean;
    catalog?: Catalog;
  } = {},
): Pick<LicensePayload, 'entitlements' | 'modules' | 'keySource'> {
  const catalog = opts.catalog ?? shippedCatalog();
  let granted = entitlements;
  const suites = new Set(entitlements.map((e) => catalog.modules.get(e.moduleId)?.developer));
  const apps = [...catalog.modules.values()].filter((m) => m.role === 'server-application' && suites.has(m.developer));
  if (
    opts.serverApplication !== false &&
    apps.length &&
    !entitlements.some((e) => apps.some((a) => a.id === e.moduleId))
  ) {
    const app = opts.scope === 'centralized' ? 1001 : 1002;
    granted = [...entitlements, { moduleId: app, quantity: null }].sort((a, b) => a.moduleId - b.moduleId);
  }
  return {
    entitlements: granted,
    modules: signedModules(catalog, granted, opts.developer).map(termsOf),
    keySource: opts.keySource ?? 'any',
  };
}

/** The signed terms of every module of a catalog document (a test's own catalog), for `modules` of a test license. */
export function termsOfCatalog(json: unknown): ModuleTerms[] {
  const c = parseCatalog(json);
  if (!c.ok) throw new Error(c.message);
  return [...c.value.modules.values()].map(termsOf);
}

/** The catalogs a test node is started with (`--catalog` files), merged; the shipped ones when none is named. */
export function catalogOf(files: string | undefined): Catalog {
  if (!files) return shippedCatalog();
  const c = loadCatalogFiles(files.split(',').map((f) => f.trim()));
  if (!c.ok) throw new Error(c.message);
  return c.value;
}

/** What a test license is made of: the payload fields a test picks, the default entitlements, the vendor's catalog. */
export interface TestLicenseParts {
  hardwareKey: string;
  /** Epoch ms the license was issued at (it is valid from a minute before). */
  now: number;
  scope: 'centralized' | 'static';
  notAfter: string | null;
  developer?: string;
  entitlements: Entitlement[];
  catalog: Catalog;
}

/**
 * A test license payload as the vendor CLI would sign it; `overrides` win. Terms given by the test (`modules`) are
 * signed as they are; otherwise they are copied from the catalog for the entitlements.
 */
export function testLicensePayload(parts: TestLicenseParts, overrides: Partial<LicensePayload> = {}): LicensePayload {
  const base = {
    v: 2 as const,
    id: newId('lic'),
    issuer: 'Test Vendor',
    customer: { id: 'cus_test', name: 'Test Restaurant' },
    hardwareKey: parts.hardwareKey,
    scope: parts.scope,
    term: parts.notAfter === null ? { type: 'permanent' as const } : { type: 'temporary' as const },
    ...(parts.developer ? { developer: { id: parts.developer } } : {}),
    issuedAt: new Date(parts.now - 60_000).toISOString(),
    notBefore: new Date(parts.now - 60_000).toISOString(),
    notAfter: parts.notAfter,
    ...overrides,
  };
  const entitlements = overrides.entitlements ?? parts.entitlements;
  const terms = overrides.modules
    ? { entitlements, modules: overrides.modules, keySource: overrides.keySource ?? ('any' as const) }
    : licenseTerms(entitlements, {
        ...(base.developer ? { developer: base.developer.id } : {}),
        scope: base.scope,
        ...(overrides.keySource ? { keySource: overrides.keySource } : {}),
        catalog: parts.catalog,
      });
  return { ...base, ...terms };
}
