import { fail, ok, type Outcome, type SessionRequest } from '@licensor/protocol';

const OPS = new Set(['acquire', 'heartbeat', 'release', 'member.sync', 'quota.report', 'quota.check', 'profile.check', 'enabled', 'status']);
const isId = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 200 && /^[\x21-\x7e]+$/.test(v);
const isModule = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= 2147483647;

/** Checks a session message's shape; the error names the field at fault. */
export function validateSessionRequest(raw: unknown): Outcome<SessionRequest> {
  const bad = (field: string, what: string) => fail('VALIDATION_FAILED', `${field} ${what}`, { field });
  if (typeof raw !== 'object' || raw === null) return bad('message', 'must be an object');
  const r = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(r.id) || (r.id as number) < 1) return bad('id', 'must be a positive integer');
  if (typeof r.op !== 'string' || !OPS.has(r.op)) return bad('op', `must be one of ${[...OPS].join(', ')}`);
  if (r.op !== 'status' && r.op !== 'heartbeat' && !isModule(r.moduleId)) return bad('moduleId', 'must be a positive integer');
  switch (r.op) {
    case 'acquire':
    case 'release':
      if (!isId(r.holderId)) return bad('holderId', 'must be 1–200 printable ASCII characters');
      break;
    case 'member.sync':
      if (!isId(r.memberId)) return bad('memberId', 'must be 1–200 printable ASCII characters');
      if (r.features !== undefined && (!Array.isArray(r.features) || !r.features.every(isModule))) return bad('features', 'must be a list of module IDs');
      break;
    case 'quota.report':
      if (!Number.isSafeInteger(r.count) || (r.count as number) < 0) return bad('count', 'must be a non-negative integer');
      break;
    case 'quota.check':
      if (typeof r.operation !== 'string' || !r.operation) return bad('operation', 'must be a non-empty string');
      break;
    case 'profile.check':
      if (!Array.isArray(r.features) || !r.features.every(isModule)) return bad('features', 'must be a list of module IDs');
      break;
    case 'heartbeat':
      if (!Array.isArray(r.leases) || r.leases.length > 10_000) return bad('leases', 'must be a list');
      for (const l of r.leases as Record<string, unknown>[]) {
        if (!l || !isModule(l.moduleId) || !isId(l.holderId) || typeof l.leaseId !== 'string' || typeof l.active !== 'boolean') {
          return bad('leases', 'entries need moduleId, holderId, leaseId and active');
        }
      }
      break;
  }
  return ok(raw as SessionRequest);
}
