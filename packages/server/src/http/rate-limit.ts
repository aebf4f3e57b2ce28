/** Options of the per-token rate limit; `perSecond` 0 disables it. */
export interface RateLimitOptions {
  /** Sustained requests per second per token (or per IP for requests without a valid token). */
  perSecond: number;
  /** Requests a token may make at once after being idle (the bucket's size). */
  burst: number;
}

/** One token bucket: tokens left and when they were counted (ms). Mutated in place, never reallocated. */
interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are swept; bounds memory under a flood of distinct IPs or keys. */
const SWEEP_ABOVE = 50_000;

/**
 * In-memory token buckets keyed by a string (a token id, or an IP address). Refill is computed lazily from the
 * elapsed time when a key is seen, so the hot path is one Map lookup and a few arithmetic operations: no timers, and
 * no allocation beyond one bucket per key.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.perMs = options.perSecond / 1000;
  }

  /** Takes one request from `key`'s bucket: 0 when allowed, else the seconds to wait before retrying (≥ 1). */
  take(key: string): number {
    const now = this.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      b = { tokens: this.options.burst, at: now };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.options.burst, b.tokens + (now - b.at) * this.perMs);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  /** Number of keys tracked (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled completely: forgetting them changes nothing. */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets)
      if (b.tokens + (now - b.at) * this.perMs >= this.options.burst) this.buckets.delete(key);
    // Under a flood of distinct keys none may be full yet; start over rather than grow without bound.
    if (this.buckets.size >= SWEEP_ABOVE) this.buckets.clear();
  }
}
