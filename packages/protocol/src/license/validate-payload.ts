import { fail, ok, type Outcome } from '../errors/outcome.js';
import { isHardwareKey } from '../hardware-key.js';
import type { LicensePayload } from './license-payload.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const PERIODS = new Set(['day', 'week', 'month']);

/** Checks that a signed payload has the shape of a license; a signed but malformed payload is still MALFORMED. */
export function validateLicensePayload(p: unknown): Outcome<LicensePayload> {
  const bad = (field: string, what: string) => fail('MALFORMED', `license ${field} ${what}`, { field });
  if (!isObj(p)) return bad('payload', 'is not an object');
  if (p.v !== 1) return bad('v', 'is not a supported version (1)');
  if (typeof p.id !== 'string' || !p.id) return bad('id', 'is missing');
  if (typeof p.issuer !== 'string') return bad('issuer', 'is missing');
  if (!isObj(p.customer) || typeof p.customer.name !== 'string' || typeof p.customer.id !== 'string') return bad('customer', 'needs id and name');
  if (!isHardwareKey(p.hardwareKey)) return bad('hardwareKey', 'is not 64 lowercase hex characters');
  if (p.scope !== 'centralized' && p.scope !== 'static') return bad('scope', 'must be centralized or static');
  const term = p.term;
  if (!isObj(term)) return bad('term', 'is missing');
  if (term.type === 'rental') {
    if (!PERIODS.has(term.period as string)) return bad('term.period', 'must be day, week or month');
  } else if (term.type !== 'permanent' && term.type !== 'temporary') return bad('term.type', 'must be permanent, temporary or rental');
  if (!Array.isArray(p.entitlements)) return bad('entitlements', 'is not a list');
  for (const e of p.entitlements) {
    if (!isObj(e) || !Number.isSafeInteger(e.moduleId) || (e.moduleId as number) <= 0) return bad('entitlements', 'has an entry without a positive integer moduleId');
    if (e.quantity !== null && (!Number.isSafeInteger(e.quantity) || (e.quantity as number) < 0)) return bad('entitlements', `quantity of module ${e.moduleId} is not a non-negative integer or null`);
  }
  if (p.developer !== undefined && (!isObj(p.developer) || typeof p.developer.id !== 'string')) return bad('developer', 'needs an id');
  if (!isDate(p.issuedAt)) return bad('issuedAt', 'is not a date');
  if (!isDate(p.notBefore)) return bad('notBefore', 'is not a date');
  if (p.notAfter !== null && !isDate(p.notAfter)) return bad('notAfter', 'is not a date or null');
  if (term.type === 'permanent' && p.notAfter !== null) return bad('notAfter', 'must be null for a permanent license');
  if (term.type !== 'permanent' && p.notAfter === null) return bad('notAfter', 'is required for a temporary or rental license');
  return ok(p as unknown as LicensePayload);
}
