/**
 * Admission policies are named data, as Keygen names its strategies. What a pool counts follows from the strategy:
 * REJECT_NEW and EVICT_INACTIVE count live leases, BLOCK_LATEST counts members in order of first connection,
 * DEGRADE counts a number the application reports, UNCOUNTED only asks "is the module licensed at all".
 */
export type PolicyStrategy = 'REJECT_NEW' | 'EVICT_INACTIVE' | 'BLOCK_LATEST' | 'DEGRADE' | 'UNCOUNTED';

/** Every strategy name, in documentation order. */
export const POLICY_STRATEGIES: readonly PolicyStrategy[] = [
  'REJECT_NEW',
  'EVICT_INACTIVE',
  'BLOCK_LATEST',
  'DEGRADE',
  'UNCOUNTED',
];

/** Refuse a newcomer when the pool is full. */
export interface RejectNewPolicy {
  strategy: 'REJECT_NEW';
}

/** When full, evict the holder idle longest if it has been idle past the threshold; otherwise refuse. */
export interface EvictInactivePolicy {
  strategy: 'EVICT_INACTIVE';
  idleThresholdSeconds: number;
}

/** Members beyond the quantity, latest first-connection first, are blocked; they unblock in order when room frees. */
export interface BlockLatestPolicy {
  strategy: 'BLOCK_LATEST';
  /** A member silent this long is dropped from the pool, freeing its place (null: only an admin removes it). */
  memberInactiveAfterSeconds: number | null;
}

/** Over the quota the pool is `over_quota`: the listed operations stay allowed, the others are refused. */
export interface DegradePolicy {
  strategy: 'DEGRADE';
  allowedWhenOverQuota: string[];
  refusedWhenOverQuota: string[];
}

/** Not counted: licensed or not (features, free plugin modules, the server applications themselves). */
export interface UncountedPolicy {
  strategy: 'UNCOUNTED';
}

/** One admission policy. */
export type AdmissionPolicy =
  | RejectNewPolicy
  | EvictInactivePolicy
  | BlockLatestPolicy
  | DegradePolicy
  | UncountedPolicy;

/** Defaults applied when a catalog entry omits a policy parameter. */
export const POLICY_DEFAULTS = {
  idleThresholdSeconds: 900,
  memberInactiveAfterSeconds: null,
  heartbeatTtlSeconds: 60,
  allowedWhenOverQuota: ['debit-existing-account'],
  refusedWhenOverQuota: ['accept-new-data', 'send-new-data'],
} as const;

/** True when the strategy counts live leases (acquire/heartbeat/release). */
export function countsLeases(p: AdmissionPolicy): p is RejectNewPolicy | EvictInactivePolicy {
  return p.strategy === 'REJECT_NEW' || p.strategy === 'EVICT_INACTIVE';
}
