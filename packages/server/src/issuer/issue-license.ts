import { addPeriods, type Catalog, type ModuleDefinition, termsOf } from '@licensor/core';
import {
  type Entitlement,
  fail,
  KEY_SOURCES,
  type KeySource,
  LICENSE_FORMAT_VERSION,
  type LicensePayload,
  type LicenseScope,
  type LicenseTerm,
  newId,
  type Outcome,
  ok,
  parseHardwareKey,
  type RentalPeriod,
  signLicense,
} from '@licensor/protocol';
import type { IssuerKeys } from './issuer-keys.js';

/** What a vendor asks for when issuing a license. */
export interface IssueRequest {
  customerName: string;
  customerId?: string;
  hardwareKey: string;
  scope: LicenseScope;
  term:
    | { type: 'permanent' }
    | { type: 'temporary'; until: Date }
    | { type: 'rental'; period: RentalPeriod; until?: Date };
  entitlements: Entitlement[];
  developer?: string;
  notBefore?: Date;
  issuer: string;
  /** Names the catalog the module IDs refer to. */
  catalog?: string;
  /** Where the node must read its hardware key (default `usb`). */
  keySource?: KeySource;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses a date given on the command line: `YYYY-MM-DD` (midnight UTC) or an ISO-8601 timestamp with a zone
 * (`2027-01-01T12:00:00Z`, `…+03:00`). Impossible dates such as 2027-02-30 are refused rather than rolled over.
 */
export function parseCliDate(text: string, option: string): Outcome<Date> {
  const t = text.trim();
  if (DATE_ONLY.test(t)) {
    const d = new Date(`${t}T00:00:00.000Z`);
    if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== t)
      return fail('VALIDATION_FAILED', `${option} ${JSON.stringify(text)} is not a real date`, { field: option });
    return ok(d);
  }
  if (DATE_TIME.test(t)) {
    // the calendar part must exist: 2027-02-30T00:00Z is refused, not rolled over to March
    const day = new Date(`${t.slice(0, 10)}T00:00:00.000Z`);
    const d = new Date(t);
    if (Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== t.slice(0, 10) || Number.isNaN(d.getTime())) {
      return fail('VALIDATION_FAILED', `${option} ${JSON.stringify(text)} is not a real date`, { field: option });
    }
    return ok(d);
  }
  return fail(
    'VALIDATION_FAILED',
    `${option} ${JSON.stringify(text)} is not a date (use YYYY-MM-DD or an ISO-8601 time like 2027-01-01T00:00:00Z)`,
    { field: option },
  );
}

/** The end of one rental period starting at `from` (a month is a calendar month, clamped to the month's last day). */
export function addRentalPeriod(from: Date, period: RentalPeriod): Date {
  return new Date(addPeriods(from.getTime(), period, 1));
}

/**
 * Checks an issue request against the catalog and builds the license payload: the hardware key format, known module
 * IDs, quantities that fit each module's policy (UNCOUNTED modules take no quantity), the developer, and the dates.
 * Returns warnings that do not stop issuing (e.g. a feature whose application is not in the license).
 */
export function buildLicensePayload(
  req: IssueRequest,
  catalog: Catalog,
  now: Date,
): Outcome<{ payload: LicensePayload; warnings: string[] }> {
  const hw = parseHardwareKey(req.hardwareKey, 'hardware key');
  if (!hw.ok) return hw;
  if (!req.customerName.trim()) return fail('VALIDATION_FAILED', 'customer name is empty', { field: 'customer' });
  if (req.scope !== 'centralized' && req.scope !== 'static')
    return fail('VALIDATION_FAILED', `scope must be centralized or static, got ${JSON.stringify(req.scope)}`, {
      field: 'scope',
    });
  const warnings: string[] = [];
  const seen = new Set<number>();
  for (const e of req.entitlements) {
    const def = catalog.modules.get(e.moduleId);
    if (!def)
      return fail('MODULE_UNKNOWN', `unknown module ${e.moduleId}`, {
        field: 'module',
        data: { moduleId: e.moduleId },
      });
    if (seen.has(e.moduleId))
      return fail('VALIDATION_FAILED', `module ${e.moduleId} is given twice`, { field: 'module' });
    seen.add(e.moduleId);
    if (e.quantity !== null && (!Number.isSafeInteger(e.quantity) || e.quantity <= 0)) {
      return fail(
        'VALIDATION_FAILED',
        `quantity of module ${e.moduleId} must be a positive integer, got ${e.quantity}`,
        { field: 'module' },
      );
    }
    // A server application's quantity is how many sites a License Server may run it on; other UNCOUNTED modules take none.
    if (e.quantity !== null && def.policy.strategy === 'UNCOUNTED' && def.role !== 'server-application') {
      return fail(
        'VALIDATION_FAILED',
        `module ${e.moduleId} (${def.name}) is not counted (UNCOUNTED): give it without a quantity, as --module ${e.moduleId}`,
        { field: 'module' },
      );
    }
  }
  for (const e of req.entitlements) {
    const def = catalog.modules.get(e.moduleId)!;
    if (def.extends !== undefined && !seen.has(def.extends))
      warnings.push(
        `feature ${def.id} (${def.name}) extends module ${def.extends}, which this license does not include`,
      );
  }
  // A node refuses client work unless its license grants one of the server applications it signs terms for.
  if (req.developer === undefined) {
    const apps = signedModules(catalog, req.entitlements).filter((m) => m.role === 'server-application');
    if (apps.length && !apps.some((m) => seen.has(m.id))) {
      warnings.push(
        `the license grants no server application (${apps.map((m) => `${m.id} ${m.name}`).join(', ')}): a node serving it refuses client work; add --module ${apps.map((m) => m.id).join(' or --module ')}`,
      );
    }
  }
  if (req.developer !== undefined) {
    const ownsSome = [...catalog.modules.values()].some((m) => m.developer === req.developer);
    if (!ownsSome)
      return fail(
        'VALIDATION_FAILED',
        `no module in the catalog belongs to developer ${JSON.stringify(req.developer)}`,
        { field: 'developer' },
      );
  }
  const keySource = req.keySource ?? 'usb';
  if (!KEY_SOURCES.includes(keySource))
    return fail('VALIDATION_FAILED', `key source must be ${KEY_SOURCES.join(', ')}, got ${JSON.stringify(keySource)}`, {
      field: 'keySource',
    });
  const notBefore = req.notBefore ?? now;
  let term: LicenseTerm;
  let notAfter: Date | null;
  switch (req.term.type) {
    case 'permanent':
      term = { type: 'permanent' };
      notAfter = null;
      break;
    case 'temporary':
      term = { type: 'temporary' };
      notAfter = req.term.until;
      break;
    case 'rental':
      term = { type: 'rental', period: req.term.period };
      notAfter = req.term.until ?? addRentalPeriod(notBefore, req.term.period);
      break;
  }
  if (notAfter !== null && notAfter.getTime() <= notBefore.getTime()) {
    return fail(
      'VALIDATION_FAILED',
      `the license would end (${notAfter.toISOString()}) before it starts (${notBefore.toISOString()})`,
      { field: 'until' },
    );
  }
  const payload: LicensePayload = {
    v: LICENSE_FORMAT_VERSION,
    id: newId('lic'),
    issuer: req.issuer,
    customer: { id: req.customerId ?? newId('cus'), name: req.customerName.trim() },
    hardwareKey: hw.value,
    scope: req.scope,
    term,
    entitlements: [...req.entitlements].sort((a, b) => a.moduleId - b.moduleId),
    keySource,
    modules: signedModules(catalog, req.entitlements, req.developer).map(termsOf),
    issuedAt: now.toISOString(),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter === null ? null : notAfter.toISOString(),
  };
  if (req.developer !== undefined) payload.developer = { id: req.developer };
  if (req.catalog !== undefined) payload.catalog = req.catalog;
  return ok({ payload, warnings });
}

/**
 * The modules whose terms a license signs: the granted ones (every module of the developer, for a developer
 * license), the add-ons of a granted application and the application a granted add-on extends (so a register's
 * profile is judged against the whole add-on list), and the server applications of the suites it grants from, so a
 * node knows it must itself be licensed to serve.
 */
export function signedModules(
  catalog: Catalog,
  entitlements: readonly Entitlement[],
  developer?: string,
): ModuleDefinition[] {
  const ids = new Set(entitlements.map((e) => e.moduleId));
  const all = [...catalog.modules.values()];
  if (developer !== undefined) for (const m of all) if (m.developer === developer) ids.add(m.id);
  const granted = all.filter((m) => ids.has(m.id));
  const suites = new Set(granted.map((m) => m.developer));
  for (const m of granted) if (m.extends !== undefined) ids.add(m.extends);
  for (const m of all) {
    if (m.extends !== undefined && ids.has(m.extends)) ids.add(m.id);
    if (m.role === 'server-application' && suites.has(m.developer)) ids.add(m.id);
  }
  return all.filter((m) => ids.has(m.id)).sort((a, b) => a.id - b.id);
}

/** Builds and signs a license file with the issuer's key. */
export function issueLicense(
  req: IssueRequest,
  catalog: Catalog,
  keys: IssuerKeys,
  now = new Date(),
): Outcome<{ file: string; payload: LicensePayload; warnings: string[] }> {
  const built = buildLicensePayload(req, catalog, now);
  if (!built.ok) return built;
  return ok({ file: signLicense(built.value.payload, keys.privateKey, keys.publicKey), ...built.value });
}
