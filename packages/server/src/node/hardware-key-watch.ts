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

/**
 * Re-reads the USB drives on an interval and notes when the licensed drive (the node's hardware key) is gone and when
 * it is back. Whether the node may still serve is `absentBeyondGrace()`; the drive back means service back at once.
 */
export class HardwareKeyWatch {
  private lostAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    key: string,
    private readonly options: HardwareKeyWatchOptions,
    /** The node's time floor, so setting the clock back does not stretch the grace period. */
    private readonly now: () => number,
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
    if (!here && this.lostAt === null) {
      this.lostAt = now;
      this.onChange({ type: 'hardware_key.lost', at: now });
    } else if (here && this.lostAt !== null) {
      const absentMs = Math.max(0, now - this.lostAt);
      this.lostAt = null;
      this.onChange({ type: 'hardware_key.restored', at: now, absentMs });
    }
  }

  /** When the drive was found missing, or null while it is plugged in. */
  get missingSince(): number | null {
    return this.lostAt;
  }

  /** The end of the grace period, or null while the drive is plugged in. */
  get graceEndsAt(): number | null {
    return this.lostAt === null ? null : this.lostAt + this.options.graceMs;
  }

  /** Stops the interval. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
