import type { DomainEvent } from '@licensor/core';
import type { Failure } from '@licensor/protocol';
import { listUsbDrives } from '../hwkey/usb-drives.js';

/** Settings of the USB drive watch. Both are ceilings a node may lower, never raise: a longer one grants more. */
export interface HardwareKeyWatchOptions {
  /** How often the drive is looked for (default and maximum 60 s). */
  intervalMs: number;
  /** How long the node serves after the drive is gone (default and maximum 10 min). */
  graceMs: number;
  sysfsRoot: string;
}

/** What the watch tells the node when the drive goes or comes back. */
export type HardwareKeyChange =
  | { type: 'hardware_key.lost'; at: number }
  | { type: 'hardware_key.restored'; at: number; absentMs: number };

/** What status shows of the drive watch. */
export interface HardwareKeyPresence {
  watched: boolean;
  present: boolean;
  missingSince: string | null;
  graceEndsAt: string | null;
  refusing: boolean;
}

/** What status shows for a node whose key is not read from a USB drive: nothing is watched. */
export const UNWATCHED: HardwareKeyPresence = {
  watched: false,
  present: true,
  missingSince: null,
  graceEndsAt: null,
  refusing: false,
};

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * Re-reads the USB drives on an interval and notes when the licensed drive (the node's hardware key) is gone and when
 * it is back. Once it has been gone past the grace period the node refuses client work (`refusal()`); the drive back
 * means service back at once. The `hardware_key.lost` / `hardware_key.restored` events wait here for the reaper.
 */
export class HardwareKeyWatch {
  private lostAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pending: HardwareKeyChange[] = [];

  constructor(
    private readonly key: string,
    private readonly options: HardwareKeyWatchOptions,
    /** The node's license time, so setting the clock back does not stretch the grace period. */
    private readonly now: () => number,
    /** Told of every change, after it is noted (the node recomputes its refusals). */
    private readonly onChange: (change: HardwareKeyChange) => void,
    private readonly present: () => boolean = () => listUsbDrives(options.sysfsRoot).some((d) => d.hardwareKey === key),
  ) {}

  /** Starts looking on the interval. */
  start(): void {
    this.timer = setInterval(() => this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Looks for the drive now. */
  check(): void {
    let here: boolean;
    try {
      here = this.present();
    } catch {
      // An unreadable sysfs is a drive we cannot see.
      here = false;
    }
    const now = this.now();
    let change: HardwareKeyChange | null = null;
    if (!here && this.lostAt === null) {
      this.lostAt = now;
      change = { type: 'hardware_key.lost', at: now };
    } else if (here && this.lostAt !== null) {
      change = { type: 'hardware_key.restored', at: now, absentMs: Math.max(0, now - this.lostAt) };
      this.lostAt = null;
    }
    if (!change) return;
    this.pending.push(change);
    this.onChange(change);
  }

  /** True while the drive is gone: the refusal may start any moment (licensed() then asks `refusal()`). */
  get missing(): boolean {
    return this.lostAt !== null;
  }

  /** The end of the grace period, or null while the drive is plugged in. */
  private get graceEndsAt(): number | null {
    return this.lostAt === null ? null : this.lostAt + this.options.graceMs;
  }

  /** Why client work is refused because the drive has been gone past the grace period, or null. */
  refusal(): Failure | null {
    const ends = this.graceEndsAt;
    if (ends === null || this.now() < ends) return null;
    return {
      ok: false,
      code: 'HARDWARE_KEY_ABSENT',
      message: `the licensed USB drive (hardware key ${this.key.slice(0, 12)}…) has been gone since ${iso(this.lostAt)}, past the grace period: client work is refused until it is plugged back in`,
    };
  }

  /** The watch as status shows it. */
  get presence(): HardwareKeyPresence {
    return {
      watched: true,
      present: this.lostAt === null,
      missingSince: iso(this.lostAt),
      graceEndsAt: iso(this.graceEndsAt),
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
          ? { at: iso(k.at), graceEndsAt: iso(k.at + this.options.graceMs) }
          : { at: iso(k.at), absentMs: k.absentMs },
    }));
  }

  /** Stops the interval. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
