import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fail, type HardwareKey, type Outcome, ok } from '@licensor/protocol';
import { deriveHardwareKey, type UsbDrive } from './drive-hardware-key.js';
import { platformUsbReader } from './platform-usb-drives.js';

/** Salt prefix of the machine-id key. */
export const MACHINE_SALT = 'licensor-machine-v1';

export {
  deriveHardwareKey,
  HWKEY_SALT,
  hardwareKeyIdentity,
  type UsbDrive,
} from './drive-hardware-key.js';

/** The sysfs directory under a root: `<root>/sys`, or the root itself when it is a sysfs mount (has `bus/`). */
export function sysfsDir(root: string): string {
  const sys = join(root, 'sys');
  if (existsSync(join(sys, 'bus'))) return sys;
  if (existsSync(join(root, 'bus'))) return root;
  return sys;
}

function readAttr(dir: string, name: string): string | null {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? null : v;
  } catch {
    return null;
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Block device names below a USB device directory (`…/host*\/target*\/*\/block/sdX`), depth-limited. */
function blockDevicesBelow(dir: string, depth = 6): string[] {
  const out: string[] = [];
  for (const name of safeReaddir(dir)) {
    const path = join(dir, name);
    if (name === 'block') {
      for (const dev of safeReaddir(path)) if (isDir(join(path, dev))) out.push(dev);
    } else if (
      depth > 0 &&
      !name.startsWith('.') &&
      isDir(path) &&
      !name.startsWith('subsystem') &&
      name !== 'driver' &&
      name !== 'port'
    ) {
      out.push(...blockDevicesBelow(path, depth - 1));
    }
  }
  return out;
}

/**
 * Lists USB mass-storage drives from sysfs under `root` (default `/`): every device in `sys/bus/usb/devices` with an
 * interface of class 08, its vendor and product IDs, strings and serial, and the block devices whose sysfs path lies
 * under it. Drives without a serial are listed with `hardwareKey: null`.
 */
export function listUsbDrives(root = '/', platform: NodeJS.Platform = process.platform): UsbDrive[] {
  // Windows and macOS have no sysfs: their device trees are read through PowerShell and ioreg instead.
  const reader = platformUsbReader(root, platform);
  if (reader) return reader.list();
  const sys = sysfsDir(root);
  const devicesDir = join(sys, 'bus', 'usb', 'devices');
  const blockByPath: { name: string; real: string }[] = [];
  for (const name of safeReaddir(join(sys, 'block'))) {
    try {
      blockByPath.push({ name, real: realpathSync(join(sys, 'block', name)) });
    } catch {
      // a dangling link: skip it
    }
  }
  const drives: UsbDrive[] = [];
  for (const busId of safeReaddir(devicesDir)) {
    if (busId.includes(':')) continue; // an interface, not a device
    const link = join(devicesDir, busId);
    let dev: string;
    try {
      dev = realpathSync(link);
    } catch {
      continue;
    }
    const idVendor = readAttr(dev, 'idVendor');
    const idProduct = readAttr(dev, 'idProduct');
    if (!idVendor || !idProduct) continue;
    const interfaces = safeReaddir(dev).filter((n) => n.startsWith(`${busId}:`));
    if (!interfaces.some((i) => readAttr(join(dev, i), 'bInterfaceClass') === '08')) continue;
    let blocks = blockByPath.filter((b) => b.real.startsWith(`${dev}/`)).map((b) => b.name);
    if (blocks.length === 0) blocks = blockDevicesBelow(dev);
    const serial = readAttr(dev, 'serial');
    const vendor = idVendor.toLowerCase();
    const product = idProduct.toLowerCase();
    const drive: UsbDrive = {
      busId,
      idVendor: vendor,
      idProduct: product,
      manufacturer: readAttr(dev, 'manufacturer'),
      product: readAttr(dev, 'product'),
      serial,
      blockDevices: [...new Set(blocks)].sort(),
      hardwareKey: serial ? deriveHardwareKey(vendor, product, serial) : null,
    };
    if (!serial) drive.unusableReason = 'the drive reports no serial number, so no stable key can be derived';
    drives.push(drive);
  }
  return drives;
}

/** Picks drives by block device name (`sdb` or `/dev/sdb`) or by serial. */
export function selectDrives(drives: readonly UsbDrive[], device: string): UsbDrive[] {
  const name = device.replace(/^\/dev\//, '');
  return drives.filter((d) => d.blockDevices.includes(name) || d.serial === device);
}

/** A block device as a person names it: `/dev/sdb`, `/dev/disk4`, or Windows' own `E:` and `\\.\PHYSICALDRIVE1`. */
export function devicePath(name: string): string {
  return /^[A-Za-z]:$/.test(name) || name.startsWith('\\') ? name : `/dev/${name}`;
}

/** One line per drive: `<key>  <vendor>:<product> <manufacturer> <product name> serial=<serial> (/dev/sdb)`. */
export function formatDrive(d: UsbDrive): string {
  const who = [d.manufacturer, d.product].filter(Boolean).join(' ');
  const devs = d.blockDevices.length ? ` (${d.blockDevices.map(devicePath).join(', ')})` : '';
  const head = d.hardwareKey ?? `${'-'.repeat(64)}`;
  const serial = d.serial === null ? 'serial=(none)' : `serial=${d.serial}`;
  const tail = d.hardwareKey ? '' : '  UNUSABLE: no serial number';
  return `${head}  ${d.idVendor}:${d.idProduct}${who ? ` ${who}` : ''} ${serial}${devs}${tail}`;
}

/**
 * The machine-identity key for nodes without a USB drive: SHA-256 of `licensor-machine-v1\0<machine-id>`, where the
 * machine id is `<root>/etc/machine-id` (32 hex characters).
 */
export function machineIdKey(root = '/'): Outcome<{ key: HardwareKey; machineId: string; path: string }> {
  const path = join(root, 'etc', 'machine-id');
  let machineId: string;
  try {
    machineId = readFileSync(path, 'utf8').trim().toLowerCase();
  } catch {
    return fail('NOT_FOUND', `${path} cannot be read, so there is no machine identity to derive a key from`);
  }
  if (!/^[0-9a-f]{32}$/.test(machineId))
    return fail('VALIDATION_FAILED', `${path} does not hold a 32-hex-character machine id`);
  const key = createHash('sha256').update(`${MACHINE_SALT}\0${machineId}`, 'utf8').digest('hex') as HardwareKey;
  return ok({ key, machineId, path });
}
