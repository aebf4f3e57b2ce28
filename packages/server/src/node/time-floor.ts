import type { Clock } from '../time/clock.js';

/**
 * The time a node judges licenses at: never earlier than a high-water mark that advances by monotonic elapsed time
 * while the node runs and is persisted across restarts. Setting the wall clock back — once by a lot, or by a little
 * again and again — then freezes nothing: every setback adds up to how far the wall clock is behind the mark.
 */
export class TimeFloor {
  /** The mark at `anchorMono` on the monotonic clock. */
  private anchor: number;
  private anchorMono: number;

  constructor(
    private readonly clock: Clock,
    persisted = Number.NEGATIVE_INFINITY,
  ) {
    const wall = clock.now();
    this.anchor = Math.max(wall, persisted);
    this.anchorMono = this.mono();
  }

  private mono(): number {
    return this.clock.monotonic ? this.clock.monotonic() : 0;
  }

  /** The high-water mark now (and the wall clock it was compared with). */
  read(): { at: number; wall: number } {
    const wall = this.clock.now();
    const mono = this.mono();
    const mark = this.anchor + (mono - this.anchorMono);
    if (wall >= mark) {
      // The wall clock is ahead (or level): it becomes the mark, so a clock set forward is followed at once.
      this.anchor = wall;
      this.anchorMono = mono;
      return { at: wall, wall };
    }
    return { at: mark, wall };
  }

  /** max(wall clock, high-water mark): the time licenses and allocations are judged at. */
  now(): number {
    return this.read().at;
  }
}
