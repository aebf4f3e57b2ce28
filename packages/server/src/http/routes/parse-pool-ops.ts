import { fail, ok, type Outcome } from '@licensor/protocol';
import type { AuditActor } from '../../store/store.js';
import type { PoolOp } from '../../node/pool-ops.js';

type Fields = Record<string, unknown>;

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;
const int = (v: unknown): v is number => Number.isSafeInteger(v);
const optStr = (v: unknown) => v === undefined || str(v);
const actorOk = (v: unknown): v is AuditActor | undefined =>
  v === undefined ||
  (typeof v === 'object' &&
    v !== null &&
    str((v as Fields).name) &&
    ((v as Fields).tokenId === null || str((v as Fields).tokenId)));

/** Checks one forwarded operation field by field (a peer is trusted only as far as its signature goes). */
function parseOp(v: unknown): PoolOp | null {
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Fields;
  if (o.op === 'detachSession') return str(o.sessionId) ? (o as PoolOp) : null;
  if (!int(o.moduleId)) return null;
  switch (o.op) {
    case 'acquire':
      return str(o.holderId) && (o.sessionId === null || str(o.sessionId)) ? (o as PoolOp) : null;
    case 'heartbeat':
      return str(o.holderId) && optStr(o.leaseId) && typeof o.active === 'boolean' ? (o as PoolOp) : null;
    case 'release':
      return str(o.holderId) && optStr(o.leaseId) ? (o as PoolOp) : null;
    case 'forceRelease':
      return str(o.holderId) && str(o.actorName) && actorOk(o.actor) ? (o as PoolOp) : null;
    case 'syncMember':
      return str(o.memberId) && (o.features === undefined || (Array.isArray(o.features) && o.features.every(int)))
        ? (o as PoolOp)
        : null;
    case 'removeMember':
      return str(o.memberId) && actorOk(o.actor) ? (o as PoolOp) : null;
    case 'reportQuota':
      return int(o.count) ? (o as PoolOp) : null;
    default:
      return null;
  }
}

/** Parses a signed batch of forwarded pool operations: `{"ops": [...]}`. */
export function parsePoolOps(text: string): Outcome<PoolOp[]> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail('VALIDATION_FAILED', 'the body is not JSON', { field: 'ops' });
  }
  const ops = (body as Fields | null)?.ops;
  if (!Array.isArray(ops)) return fail('VALIDATION_FAILED', 'ops must be an array', { field: 'ops' });
  const out: PoolOp[] = [];
  for (const [i, v] of ops.entries()) {
    const op = parseOp(v);
    if (!op) return fail('VALIDATION_FAILED', `ops[${i}] is not a pool operation`, { field: `ops[${i}]` });
    out.push(op);
  }
  return ok(out);
}
