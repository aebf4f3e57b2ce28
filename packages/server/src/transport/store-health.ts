import type { Store } from '../store/store.js';
import { isStoreUnavailable } from '../store/store-errors.js';
import type { Clock } from '../time/clock.js';

/** Seconds a client is told to wait (Retry-After) while the store cannot be written. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/**
 * Whether the store takes writes. A write that fails because the disk is full or the store is unreachable marks it
 * unavailable: `/readyz` then answers 503 until a probe write succeeds again, with no restart needed. Nothing is
 * acknowledged before it is committed, so an unavailable store loses nothing that was acknowledged.
 */
export class StoreHealth {
  private failedAt: number | null = null;

  constructor(
    private readonly store: Pick<Store, 'ping' | 'setMeta'>,
    private readonly clock: Clock,
  ) {}

  /** Notes an error of an operation; true when it means the store is unavailable. */
  noteError(err: unknown): boolean {
    if (!isStoreUnavailable(err)) return false;
    this.failedAt ??= performance.now();
    return true;
  }

  /** True when the store answers and, after a failed write, takes a probe write again. */
  async ready(): Promise<boolean> {
    if (!(await this.store.ping().catch(() => false))) return false;
    if (this.failedAt === null) return true;
    try {
      await this.store.setMeta('readyz.probe', String(this.clock.now()));
      this.failedAt = null;
      return true;
    } catch (err) {
      this.noteError(err);
      return false;
    }
  }
}
