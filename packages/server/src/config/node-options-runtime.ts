import { parseHardwareKey } from '@licensor/protocol';
import { choice, int, optionalInt, optionalText, text } from './option-kinds.js';
import { HOUR, INT32_MAX, type NodeOptionTable } from './node-option.js';

/** The hardware key, the server application, sessions, the reaper, the clock and logging. */
export const HARDWARE_KEY_AND_RUNTIME_OPTIONS = {
  hardwareKeySource: {
    ...choice(['usb', 'machine-id', 'explicit'], (c) => (c.raw('hardwareKey') ? 'explicit' : 'usb')),
    env: 'LICENSOR_HARDWARE_KEY_SOURCE',
    arg: 'source',
    help: 'where the hardware key comes from; it must match the key source the license was issued with',
    doc: '`usb` (the licensed USB drive), `machine-id` or `explicit`; it must match the key source the license was issued with (`explicit` runs only `--key-source any` and developer licenses)',
    shownDefault: '`usb` (`explicit` with `--hardware-key`)',
  },
  hardwareKey: {
    ...optionalText((value, name) => parseHardwareKey(value, name.flag)),
    env: 'LICENSOR_HARDWARE_KEY',
    arg: 'hex',
    help: 'use this 64-hex hardware key: only for a license issued with --key-source any, or a developer license',
    doc: "a key given by hand (implies `explicit`): only for a license issued `--key-source any`, or a developer license; otherwise `serve` exits 3 naming the license's key source",
  },
  usbDevice: {
    ...optionalText(),
    env: 'LICENSOR_USB_DEVICE',
    arg: 'name',
    help: 'USB drive to take the key from: sdb or its serial',
    doc: "`sdb` or the drive's serial",
    shownDefault: 'first drive with a serial',
  },
  sysfsRoot: {
    ...text('/'),
    env: 'LICENSOR_SYSFS_ROOT',
    arg: 'dir',
    help: 'read sysfs under this root; a key read there counts as given by hand',
    doc: 'read sysfs (and `etc/machine-id`) under another root (tests); a key read there counts as given by hand',
  },
  // Ceilings, not just defaults: a longer interval or grace would let a licensee's node serve longer without its drive.
  hardwareKeyCheckIntervalMs: {
    ...int(100, 60_000, 60_000),
    env: 'LICENSOR_HARDWARE_KEY_CHECK_INTERVAL_MS',
    arg: 'ms',
    help: 'how often the USB drive is looked for; the most is a ceiling',
    doc: 'how often a USB-bound node looks for its drive; the most is a ceiling: a node may look more often, never less',
  },
  hardwareKeyGraceMs: {
    ...int(0, 10 * 60_000, 10 * 60_000),
    env: 'LICENSOR_HARDWARE_KEY_GRACE_MS',
    arg: 'ms',
    help: 'how long the node serves once the USB drive is gone; the most is a ceiling',
    doc: 'how long the node serves once its drive is gone; the most is a ceiling. Then client work gets `409 HARDWARE_KEY_ABSENT` until the drive is back',
  },
  application: {
    ...optionalInt(1, INT32_MAX),
    env: 'LICENSOR_APPLICATION',
    arg: 'module',
    help: 'the server application this node runs, e.g. 1001 License Server or 1002 Data Server',
    doc: "the server application this node runs, e.g. `1001` License Server or `1002` Data Server. Without it, a node whose license (or allocation) signs terms for server applications must hold at least one of them; with it, that one (a module that is not one of the license's server applications, such as `4001`, is refused the same way). Otherwise client work is refused with `409 LICENSE_MISSING` naming the module; admin endpoints and upstream sync go on, and service resumes once a license or allocation grants it",
    shownDefault: 'any the license names',
  },
  sessionGraceMs: {
    ...int(0, HOUR, 15_000),
    env: 'LICENSOR_SESSION_GRACE_MS',
    arg: 'ms',
    help: "how long a dropped SDK session's leases wait for the device to return",
    doc: "how long a dropped SDK session's slots wait for the same device",
  },
  reapIntervalMs: {
    ...int(50, 60_000, 1000),
    env: 'LICENSOR_REAP_INTERVAL_MS',
    arg: 'ms',
    help: 'how often expired leases are freed',
    doc: 'how often expired leases are freed',
  },
  clockRollbackToleranceMs: {
    ...int(0, 7 * 24 * HOUR, 5 * 60_000),
    env: 'LICENSOR_CLOCK_ROLLBACK_TOLERANCE_MS',
    arg: 'ms',
    help: 'how far the clock may fall behind the latest time seen before it counts as rolled back',
    doc: "licenses are always judged at max(clock, the node's high-water mark: the latest time reached, moved on by monotonic time while the node runs and kept in the store); a clock behind the mark by more than this is logged and recorded once as `clock.rolled_back`. The setting changes only when that is said, never the time licenses are judged at",
  },
  logLevel: {
    ...choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    env: 'LICENSOR_LOG_LEVEL',
    arg: 'level',
    help: 'pino log level, or silent (JSON lines when stdout is not a terminal, readable lines on one)',
    doc: 'pino level, or `silent`; one JSON object a line when stdout is not a terminal, one readable line on a terminal (docs/deployment.md, Logs)',
  },
} satisfies Partial<NodeOptionTable>;
