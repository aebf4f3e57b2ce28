import type { ModuleKind } from '../catalog/module-definition.js';
import type { PolicyStrategy } from '../policy/admission-policy.js';
import type { PoolState, QuotaReport } from './pool-state.js';

/** One pool at a glance, for status endpoints and the dashboard. */
export interface PoolSummary {
  moduleId: number;
  name: string;
  kind: ModuleKind;
  strategy: PolicyStrategy;
  quantity: number | null;
  /** Live leases, active members, or the reported count, depending on the strategy (0 for UNCOUNTED). */
  used: number;
  /** quantity - used, never negative; null when unlimited. */
  free: number | null;
  /** Live (not expired) leases. */
  holders: number;
  members: number;
  blocked: number;
  /** Of the blocked, those blocked because their profile enables add-ons the license does not grant. */
  blockedByProfile: number;
  quotaState: QuotaReport['state'] | null;
}

/** Summarizes a pool as of `now`; expired-but-unreaped leases are not counted. */
export function summarizePool(pool: PoolState, now: number): PoolSummary {
  const { module, quantity } = pool;
  let holders = 0;
  for (const lease of pool.leases.values()) if (lease.expiresAt > now) holders++;
  let blocked = 0;
  let blockedByProfile = 0;
  for (const member of pool.members.values()) {
    if (member.state !== 'blocked') continue;
    blocked++;
    if (member.blockedReason === 'features_unlicensed') blockedByProfile++;
  }
  const strategy = module.policy.strategy;
  const used =
    strategy === 'REJECT_NEW' || strategy === 'EVICT_INACTIVE'
      ? holders
      : strategy === 'BLOCK_LATEST'
        ? pool.members.size - blocked
        : strategy === 'DEGRADE'
          ? (pool.quota?.count ?? 0)
          : 0;
  return {
    moduleId: module.id,
    name: module.name,
    kind: module.kind,
    strategy,
    quantity,
    used,
    free: quantity === null ? null : Math.max(0, quantity - used),
    holders,
    members: pool.members.size,
    blocked,
    blockedByProfile,
    quotaState: pool.quota?.state ?? null,
  };
}
