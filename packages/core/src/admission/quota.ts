import { fail, type Outcome, ok } from '@licensor/protocol';
import type { DegradePolicy } from '../policy/admission-policy.js';
import { refuse, requireStrategy } from './pool-guards.js';
import type { Change, Decision, DomainEvent, PoolState, QuotaReport } from './pool-state.js';

/** The answer to a quota report: the pool's state and which operations the application may perform now. */
export interface QuotaResult {
  state: QuotaReport['state'];
  count: number;
  quantity: number | null;
  allowed: string[];
  refused: string[];
}

/** Readable names of the default DEGRADE operations, for messages; other operations are shown quoted. */
const OPERATION_LABELS: Record<string, string> = {
  'debit-existing-account': 'debits on existing accounts',
  'accept-new-data': 'accepting new data',
  'send-new-data': 'sending new data',
};
/** Labels that read as plural nouns ("debits … are"), so the sentence agrees. */
const PLURAL_LABELS = new Set(['debit-existing-account']);

/** The application reports its count (e.g. clients with non-standard accounts); over the quantity the pool degrades. */
export function reportQuota(pool: PoolState, req: { count: number }, now: number): Decision<QuotaResult> {
  const mismatch = requireStrategy(pool, ['DEGRADE'], 'reporting a quota count');
  if (mismatch) return refuse(mismatch);
  const { count } = req;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    return refuse(
      fail('VALIDATION_FAILED', `count must be a non-negative integer (got ${String(count)})`, { field: 'count' }),
    );
  }
  const policy = pool.module.policy as DegradePolicy;
  const { changes, events } = applyQuota(pool, count, now);
  const state = pool.quota?.state ?? 'ok';
  const over = state === 'over_quota';
  return {
    outcome: ok({
      state,
      count,
      quantity: pool.quantity,
      allowed: over
        ? [...policy.allowedWhenOverQuota]
        : [...policy.allowedWhenOverQuota, ...policy.refusedWhenOverQuota],
      refused: over ? [...policy.refusedWhenOverQuota] : [],
    }),
    changes,
    events,
  };
}

/** Records a count (or re-evaluates the last one after a quantity change); events only when the state flips. */
export function applyQuota(pool: PoolState, count: number, now: number): { changes: Change[]; events: DomainEvent[] } {
  const before = pool.quota?.state ?? 'ok';
  const state: QuotaReport['state'] = pool.quantity !== null && count > pool.quantity ? 'over_quota' : 'ok';
  pool.quota = { moduleId: pool.module.id, count, reportedAt: now, state };
  const changes: Change[] = [{ kind: 'quota.put', quota: { ...pool.quota } }];
  if (before === state) return { changes, events: [] };
  const type = state === 'over_quota' ? 'quota.exceeded' : 'quota.restored';
  return {
    changes,
    events: [{ type, moduleId: pool.module.id, subject: 'quota', data: { count, quantity: pool.quantity } }],
  };
}

/** May the application perform `operation` now? Refused operations fail with QUOTA_EXCEEDED while over quota. */
export function isOperationAllowed(pool: PoolState, operation: string): Outcome<true> {
  const mismatch = requireStrategy(pool, ['DEGRADE'], 'checking an operation against the quota');
  if (mismatch) return mismatch;
  const policy = pool.module.policy as DegradePolicy;
  const { allowedWhenOverQuota: allowed, refusedWhenOverQuota: refused } = policy;
  if (!allowed.includes(operation) && !refused.includes(operation)) {
    return fail(
      'VALIDATION_FAILED',
      `operation '${operation}' is not one of ${[...allowed, ...refused].map((o) => `'${o}'`).join(', ')}`,
      {
        field: 'operation',
      },
    );
  }
  const quota = pool.quota;
  if (quota?.state !== 'over_quota' || !refused.includes(operation)) return ok(true);
  const plural = allowed.length > 1 || PLURAL_LABELS.has(allowed[0] ?? '');
  const still =
    allowed.length > 0
      ? `${allowed.map(label).join(', ')} ${plural ? 'are' : 'is'} still allowed`
      : 'nothing else is allowed';
  return fail(
    'QUOTA_EXCEEDED',
    `${pool.module.name}: over quota (${quota.count} of ${pool.quantity}): '${operation}' is refused; ${still}`,
    {
      data: {
        moduleId: pool.module.id,
        operation,
        count: quota.count,
        quantity: pool.quantity,
        allowed: [...allowed],
        refused: [...refused],
      },
    },
  );
}

/** A readable name for an operation. */
function label(operation: string): string {
  return OPERATION_LABELS[operation] ?? `'${operation}'`;
}
