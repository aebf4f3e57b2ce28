import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';

/** Events deleted per statement: a few milliseconds of work, so the event loop is never held for long. */
const BATCH = 2_000;
/** Work per pass before yielding until the next one. */
const MAX_PASS_MS = 200;

/** What a retention pass needs. */
export interface EventRetentionOptions {
  store: Store;
  clock: Clock;
  /** Events older than this are deleted; 0 keeps them forever. */
  retentionMs: number;
  /** How often a pass runs (default 10 s). */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Deletes events past their retention in small batches, yielding between them. The feed grows by two rows per slot
 * cycle, so without this a busy node's store grows without bound; the audit log is kept (it is written per admin
 * action, not per operation). Webhook deliveries already enqueued are unaffected; a cursor older than the retention
 * reads on from the oldest event kept.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly options: EventRetentionOptions) {}

  /** Starts the periodic passes (nothing when retention is 0). */
  start(): void {
    if (this.options.retentionMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.pass()
          .catch((err) => {
            this.options.onError?.(err);
            return 0;
          })
          .finally(() => {
            this.running = null;
          });
      }
    }, this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /** One pass: deletes expired events, batch after batch, until none is left or the pass has used its time. */
  async pass(): Promise<number> {
    if (this.options.retentionMs <= 0) return 0;
    const before = this.options.clock.now() - this.options.retentionMs;
    const started = performance.now();
    let deleted = 0;
    while (!this.stopped) {
      const n = await this.options.store.pruneEvents(before, BATCH);
      deleted += n;
      if (n < BATCH || performance.now() - started > MAX_PASS_MS) break;
      await new Promise((r) => setImmediate(r));
    }
    return deleted;
  }

  /** Stops the passes and waits for the one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
