import type { Store } from '../store/store.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';

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
  /** Where a failed pass is logged; default: nowhere. */
  log?: Logger;
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
  /** Where the sweep goes on (0: from the oldest event). */
  private cursor = 0;

  constructor(private readonly options: EventRetentionOptions) {}

  /** Starts the periodic passes (nothing when retention is 0). */
  start(): void {
    if (this.options.retentionMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) {
        this.running = this.pass()
          .catch((err) => {
            this.options.log?.error({ err }, 'event retention failed');
            return 0;
          })
          .finally(() => {
            this.running = null;
          });
      }
    }, this.options.intervalMs ?? 10_000);
    this.timer.unref();
  }

  /**
   * One pass: sweeps the feed from where the last pass stopped, deleting expired events, until it reaches the events
   * it keeps (or the newest) or has used its time. Events dated ahead of the clock are stepped over, not waited for.
   */
  async pass(): Promise<number> {
    if (this.options.retentionMs <= 0) return 0;
    const now = this.options.clock.now();
    const before = now - this.options.retentionMs;
    const started = performance.now();
    let deleted = 0;
    while (!this.stopped) {
      const step = await this.options.store.pruneEvents({ afterSeq: this.cursor, before, now, limit: BATCH });
      deleted += step.deleted;
      if (step.examined < BATCH || step.sawRecent) {
        this.cursor = 0; // done: the next pass starts at the oldest event again
        break;
      }
      this.cursor = step.lastSeq;
      if (performance.now() - started > MAX_PASS_MS) break;
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
