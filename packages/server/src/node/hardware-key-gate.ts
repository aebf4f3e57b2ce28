import type { DomainEvent } from '@licensor/core';
import type { Failure } from '@licensor/protocol';
import { type HardwareKeyChange, HardwareKeyWatch, type HardwareKeyWatchOptions } from './hardware-key-watch.js';

/** What status shows of the drive watch. */
export interface HardwareKeyPresence {
  watched: boolean;
  present: boolean;
  missingSince: string | null;
  graceEndsAt: string | null;
  refusing: boolean;
}

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

/**
 * The node's side of the USB drive watch: when the licensed drive has been gone past the grace period it refuses
 * client work, and it keeps the `hardware_key.lost` / `hardware_key.restored` events until the reaper writes them.
 */
export class HardwareKeyGate {
  private readonly watch: HardwareKeyWatch;
  private pending: HardwareKeyChange[] = [];

  constructor(
    private readonly key: string,
    options: HardwareKeyWatchOptions,
    /** The node's license time, so setting the clock back does not stretch the grace period. */
    private readonly now: () => number,
    /** Told of every change, after it is noted (the node recomputes its refusals). */
    onChange: (change: HardwareKeyChange) => void,
  ) {
    this.watch = new HardwareKeyWatch(key, options, now, (change) => {
      this.pending.push(change);
      onChange(change);
    });
  }

  /** Starts looking on the interval. */
  start(): void {
    this.watch.start();
  }

  /** Looks for the drive now. */
  check(): void {
    this.watch.check();
  }

  /** True while the drive is gone: the refusal may start any moment (licensed() then asks `refusal()`). */
  get missing(): boolean {
    return this.watch.graceEndsAt !== null;
  }

  /** Why client work is refused because the drive has been gone past the grace period, or null. */
  refusal(): Failure | null {
    const ends = this.watch.graceEndsAt;
    if (ends === null || this.now() < ends) return null;
    const since = new Date(this.watch.missingSince ?? ends).toISOString();
    return {
      ok: false,
      code: 'HARDWARE_KEY_ABSENT',
      message: `the licensed USB drive (hardware key ${this.key.slice(0, 12)}…) has been gone since ${since}, past the grace period: client work is refused until it is plugged back in`,
    };
  }

  /** The watch as status shows it. */
  get presence(): HardwareKeyPresence {
    const w = this.watch;
    return {
      watched: true,
      present: w.missingSince === null,
      missingSince: iso(w.missingSince),
      graceEndsAt: iso(w.graceEndsAt),
      refusing: this.refusal() !== null,
    };
  }

  /** The events noted since the last call, for the feed. */
  takeEvents(): DomainEvent[] {
    return this.pending.splice(0).map((k) => ({
      type: k.type as DomainEvent['type'],
      moduleId: 0,
      subject: this.key,
      data:
        k.type === 'hardware_key.lost'
          ? { at: iso(k.at), graceEndsAt: iso(this.watch.graceEndsAt) }
          : { at: iso(k.at), absentMs: k.absentMs },
    }));
  }

  /** Stops the interval. */
  stop(): void {
    this.watch.stop();
  }
}

/** What status shows for a node whose key is not read from a USB drive: nothing is watched. */
export const UNWATCHED: HardwareKeyPresence = {
  watched: false,
  present: true,
  missingSince: null,
  graceEndsAt: null,
  refusing: false,
};
