import type { DomainEvent } from '@licensor/core';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { TimeFloor } from './time-floor.js';

/** The meta key holding the node's time high-water mark (epoch ms). */
export const LATEST_SEEN_META_KEY = 'clock.latest_seen';

/** Default of the clock rollback tolerance: how far behind the mark the clock may fall before it is reported. */
export const DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS = 5 * 60_000;

/**
 * The time a node judges licenses at — max(wall clock, its persisted monotonic high-water mark) — and the rollback
 * it notices: a clock behind the mark by more than the tolerance is warned about once and reported once as
 * `clock.rolled_back`, until the clock catches up.
 */
export class LicenseClock {
  private floor: TimeFloor;
  private latestSeen = Number.NEGATIVE_INFINITY;
  private persisted = Number.NEGATIVE_INFINITY;
  private behind: { now: number; latestSeen: number } | null = null;
  private reported = false;

  constructor(
    private readonly clock: Clock,
    private readonly toleranceMs = DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS,
    private readonly warn?: (message: string, data: Record<string, unknown>) => void,
  ) {
    this.floor = new TimeFloor(clock);
  }

  /** Takes the mark the store kept from earlier runs. */
  async load(store: Pick<Store, 'getMeta'>): Promise<void> {
    const seen = Number(await store.getMeta(LATEST_SEEN_META_KEY));
    if (Number.isFinite(seen) && seen > 0) {
      this.persisted = seen;
      this.floor = new TimeFloor(this.clock, seen);
    }
  }

  /** The time licenses are judged at now. */
  now(): number {
    const { at, wall } = this.floor.read();
    this.latestSeen = at;
    if (at - wall <= this.toleranceMs) {
      if (this.behind && wall >= at) {
        this.behind = null;
        this.reported = false;
      }
      return at;
    }
    if (!this.behind) {
      this.behind = { now: wall, latestSeen: at };
      this.warn?.(
        'the clock is behind the time this node has already reached: license validity is judged at that time',
        {
          clock: new Date(wall).toISOString(),
          latestSeen: new Date(at).toISOString(),
          behindMs: at - wall,
        },
      );
    }
    return at;
  }

  /** The rollback in effect, if any: the clock read `now` when the node had already reached `latestSeen`. */
  get rollback(): { now: number; latestSeen: number } | null {
    return this.behind;
  }

  /** The `clock.rolled_back` event, once per rollback; null when there is nothing (new) to report. */
  takeRollbackEvent(): DomainEvent | null {
    if (!this.behind || this.reported) return null;
    this.reported = true;
    const { now, latestSeen } = this.behind;
    const data = {
      clock: new Date(now).toISOString(),
      latestSeen: new Date(latestSeen).toISOString(),
      behindMs: latestSeen - now,
    };
    return { type: 'clock.rolled_back' as DomainEvent['type'], moduleId: 0, subject: 'clock', data };
  }

  /** Writes the mark to the store's meta table (when it moved by a second or more). */
  async persist(store: Pick<Store, 'setMeta'>): Promise<void> {
    if (!Number.isFinite(this.latestSeen) || this.latestSeen - this.persisted < 1000) return;
    const value = this.latestSeen;
    await store.setMeta(LATEST_SEEN_META_KEY, String(value));
    this.persisted = Math.max(this.persisted, value);
  }
}
