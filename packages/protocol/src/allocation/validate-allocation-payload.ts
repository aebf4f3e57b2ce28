import { fail, ok, type Outcome } from '../errors/outcome.js';
import { isHardwareKey } from '../hardware-key.js';
import type { AllocationPayload } from './allocation-payload.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Checks that a signed payload has the shape of an allocation; a signed but malformed payload is still MALFORMED. */
export function validateAllocationPayload(p: unknown): Outcome<AllocationPayload> {
  const bad = (field: string, what: string) => fail('MALFORMED', `allocation ${field} ${what}`, { field });
  if (!isObj(p)) return bad('payload', 'is not an object');
  if (p.v !== 1 || p.kind !== 'allocation') return bad('kind', 'is not a version-1 allocation');
  if (!isText(p.id)) return bad('id', 'is missing');
  if (!Number.isSafeInteger(p.seq) || (p.seq as number) < 1) return bad('seq', 'is not a positive integer');
  const parent = p.parent;
  if (!isObj(parent) || !isText(parent.nodeId) || !isHardwareKey(parent.hardwareKey) || !isText(parent.publicKey))
    return bad('parent', 'needs nodeId, hardwareKey and publicKey');
  const child = p.child;
  if (!isObj(child) || !isText(child.nodeId) || !isHardwareKey(child.hardwareKey))
    return bad('child', 'needs nodeId and hardwareKey');
  if (!isObj(p.customer) || typeof p.customer.id !== 'string' || typeof p.customer.name !== 'string')
    return bad('customer', 'needs id and name');
  if (!Array.isArray(p.entitlements)) return bad('entitlements', 'is not a list');
  const seen = new Set<number>();
  for (const e of p.entitlements) {
    if (!isObj(e) || !Number.isSafeInteger(e.moduleId) || (e.moduleId as number) <= 0)
      return bad('entitlements', 'has an entry without a positive integer moduleId');
    if (seen.has(e.moduleId as number)) return bad('entitlements', `lists module ${e.moduleId} twice`);
    seen.add(e.moduleId as number);
    if (e.quantity !== null && (!Number.isSafeInteger(e.quantity) || (e.quantity as number) < 0))
      return bad('entitlements', `quantity of module ${e.moduleId} is not a non-negative integer or null`);
  }
  if (!isDate(p.issuedAt)) return bad('issuedAt', 'is not a date');
  if (!isDate(p.notBefore)) return bad('notBefore', 'is not a date');
  if (!isDate(p.notAfter)) return bad('notAfter', 'is not a date');
  if (Date.parse(p.notAfter) <= Date.parse(p.notBefore)) return bad('notAfter', 'is not after notBefore');
  if (!isText(p.source)) return bad('source', 'is missing');
  return ok(p as unknown as AllocationPayload);
}
