import { type Failure, fail } from '@licensor/protocol';
import type { PolicyStrategy } from '../policy/admission-policy.js';
import type { Decision, Lease, Member, PoolState } from './pool-state.js';

/** Fails with MODULE_KIND_MISMATCH unless the pool's strategy is one of `strategies`; null when it fits. */
export function requireStrategy(
  pool: PoolState,
  strategies: readonly PolicyStrategy[],
  operation: string,
): Failure | null {
  const { id, name, policy } = pool.module;
  if (strategies.includes(policy.strategy)) return null;
  return fail(
    'MODULE_KIND_MISMATCH',
    `${name} (${id}) uses ${policy.strategy}; ${operation} applies only to ${strategies.join(' or ')} modules`,
    {
      data: { moduleId: id, strategy: policy.strategy, expected: [...strategies] },
    },
  );
}

/** The strategies that count live leases (mirrors countsLeases). */
export const LEASE_STRATEGIES: readonly PolicyStrategy[] = ['REJECT_NEW', 'EVICT_INACTIVE'];

/** A refusal that changed nothing, or that carries the changes made before refusing (reaping is still persisted). */
export function refuse<T>(
  failure: Failure,
  changes: Decision<T>['changes'] = [],
  events: Decision<T>['events'] = [],
): Decision<T> {
  return { outcome: failure, changes, events };
}

/** A copy for changes and outcomes, so later in-place mutation of the pool cannot rewrite what was reported. */
export function snapshotLease(lease: Lease): Lease {
  return { ...lease };
}

/** A copy of a member (features array included) for the same reason as snapshotLease. */
export function snapshotMember(member: Member): Member {
  return { ...member, features: [...member.features], missingFeatures: [...member.missingFeatures] };
}

/** Renders ms since the epoch as ISO-8601 for messages. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Human duration for messages a cashier reads: "45 s", "3 min", "2 h 5 min" (rounded down). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}
