import type { Logger } from '../log/logger.js';
import type { PoolReader } from '../node/pool-table.js';
import type { Store } from '../store/store.js';
import type { UsageSample } from '../store/usage-store.js';
import type { Clock } from '../time/clock.js';

/** How often and for how long usage is kept. */
export interface UsageSamplerOptions {
  intervalMs: number;
  retentionMs: number;
}

/** Default sampling interval: once a minute. */
export const DEFAULT_USAGE_SAMPLE_INTERVAL_MS = 60_000;

/** Default retention of usage samples: 30 days. */
export const DEFAULT_USAGE_RETENTION_DAYS = 30;

/**
 * Records every licensed pool's use once per interval and prunes samples past the retention, so the dashboard can
 * chart concurrent use over time. A sample is the pool's state at that instant: a peak shorter than the interval
 * between two samples is not seen.
 */
export class UsageSampler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly pools: PoolReader,
    private readonly store: Pick<Store, 'usage'>,
    private readonly clock: Clock,
    readonly options: UsageSamplerOptions,
  ) {}

  /** Takes one sample of every licensed pool now and prunes old samples; returns the samples written. */
  async sample(): Promise<UsageSample[]> {
    const at = this.clock.now();
    const samples = this.pools
      .listPools()
      .filter((p) => p.licensed)
      .map((p) => ({ moduleId: p.moduleId, at, used: p.used, quantity: p.quantity, blocked: p.blocked }));
    await this.store.usage.record(samples);
    await this.store.usage.prune(at - this.options.retentionMs);
    return samples;
  }

  /** Starts the timer (the first sample is taken at once); failed ticks are logged to `log`. */
  start(log: Logger): void {
    if (this.timer) return;
    const tick = () => {
      if (this.running) return;
      this.running = true;
      this.sample()
        .catch((err) => log.error({ err }, 'usage sampling failed'))
        .finally(() => {
          this.running = false;
        });
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
