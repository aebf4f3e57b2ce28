import { fail, ok, type Outcome } from '../errors/outcome.js';
import { isHardwareKey } from '../hardware-key.js';
import { KEY_SOURCES, type KeySource, type LicensePayload } from './license-payload.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const PERIODS = new Set(['day', 'week', 'month']);

/** Checks that a signed payload has the shape of a license; a signed but malformed payload is still MALFORMED. */
export function validateLicensePayload(p: unknown): Outcome<LicensePayload> {
  const bad = (field: string, what: string) => fail('MALFORMED', `license ${field} ${what}`, { field });
  if (!isObj(p)) return bad('payload', 'is not an object');
  if (p.v === 1) {
    return fail(
      'MALFORMED',
      'license format v1 carries no signed module policy or key source, so this version cannot enforce it: ask the vendor to reissue it (licensor license issue writes format v2)',
      { field: 'v' },
    );
  }
  if (p.v !== 2) return bad('v', 'is not a supported version (2)');
  if (typeof p.id !== 'string' || !p.id) return bad('id', 'is missing');
  if (typeof p.issuer !== 'string') return bad('issuer', 'is missing');
  if (!isObj(p.customer) || typeof p.customer.name !== 'string' || typeof p.customer.id !== 'string')
    return bad('customer', 'needs id and name');
  if (!isHardwareKey(p.hardwareKey)) return bad('hardwareKey', 'is not 64 lowercase hex characters');
  if (p.scope !== 'centralized' && p.scope !== 'static') return bad('scope', 'must be centralized or static');
  const term = p.term;
  if (!isObj(term)) return bad('term', 'is missing');
  if (term.type === 'rental') {
    if (!PERIODS.has(term.period as string)) return bad('term.period', 'must be day, week or month');
  } else if (term.type !== 'permanent' && term.type !== 'temporary')
    return bad('term.type', 'must be permanent, temporary or rental');
  if (!Array.isArray(p.entitlements)) return bad('entitlements', 'is not a list');
  for (const e of p.entitlements) {
    if (!isObj(e) || !Number.isSafeInteger(e.moduleId) || (e.moduleId as number) <= 0)
      return bad('entitlements', 'has an entry without a positive integer moduleId');
    if (e.quantity !== null && (!Number.isSafeInteger(e.quantity) || (e.quantity as number) < 0))
      return bad('entitlements', `quantity of module ${e.moduleId} is not a non-negative integer or null`);
  }
  if (!KEY_SOURCES.includes(p.keySource as KeySource)) return bad('keySource', `must be ${KEY_SOURCES.join(', ')}`);
  const terms = validateModuleTerms(p.modules);
  if (terms) return bad(terms.field, terms.what);
  const named = new Set((p.modules as { id: number }[]).map((m) => m.id));
  for (const e of p.entitlements as { moduleId: number }[]) {
    if (!named.has(e.moduleId)) return bad('modules', `has no terms for granted module ${e.moduleId}`);
  }
  if (p.developer !== undefined && (!isObj(p.developer) || typeof p.developer.id !== 'string'))
    return bad('developer', 'needs an id');
  if (!isDate(p.issuedAt)) return bad('issuedAt', 'is not a date');
  if (!isDate(p.notBefore)) return bad('notBefore', 'is not a date');
  if (p.notAfter !== null && !isDate(p.notAfter)) return bad('notAfter', 'is not a date or null');
  if (term.type === 'permanent' && p.notAfter !== null) return bad('notAfter', 'must be null for a permanent license');
  if (term.type !== 'permanent' && p.notAfter === null)
    return bad('notAfter', 'is required for a temporary or rental license');
  return ok(p as unknown as LicensePayload);
}

/** The shape every module terms entry must have (the core checks the policy itself); null when it fits. */
function validateModuleTerms(modules: unknown): { field: string; what: string } | null {
  if (!Array.isArray(modules)) return { field: 'modules', what: 'is not a list' };
  const seen = new Set<number>();
  for (const m of modules) {
    if (!isObj(m) || !Number.isSafeInteger(m.id) || (m.id as number) <= 0)
      return { field: 'modules', what: 'has an entry without a positive integer id' };
    if (seen.has(m.id as number)) return { field: 'modules', what: `names module ${m.id} twice` };
    seen.add(m.id as number);
    if (typeof m.name !== 'string' || typeof m.kind !== 'string' || typeof m.developer !== 'string')
      return { field: 'modules', what: `entry ${m.id} needs name, kind and developer` };
    if (!isObj(m.policy) || typeof m.policy.strategy !== 'string')
      return { field: 'modules', what: `entry ${m.id} has no policy strategy` };
    if (!Number.isSafeInteger(m.heartbeatTtlSeconds) || (m.heartbeatTtlSeconds as number) <= 0)
      return { field: 'modules', what: `entry ${m.id} has no positive heartbeatTtlSeconds` };
  }
  return null;
}
