/** Retry schedule of webhook deliveries. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 8). */
  maxAttempts: number;
  /** Delay before the second attempt; it doubles for each later one (default 30 s: 8 attempts span up to ≈ 1 h). */
  baseDelayMs: number;
  /** No single wait is longer than this (default 6 h), whatever `maxAttempts` is. */
  maxDelayMs: number;
}

/** The default retry policy: 8 attempts, 30 s doubling, waits capped at 6 h. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 6 * 3_600_000 };

/**
 * How long to wait after failed attempt `attempt` (1-based): exponential, with "equal jitter" — a uniform draw in
 * the upper half of the step — so receivers that failed together are not hit again all at the same instant, while
 * the wait never exceeds the nominal step (tests can advance a fake clock by exactly the step).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.ceil(step / 2 + random() * (step / 2));
}
