import { parsePlistXml, type PlistValue } from './parse-plist-xml.js';
import { type CommandRunner, runCommand } from './run-command.js';
import { deriveHardwareKey, type UsbDrive } from './drive-hardware-key.js';

/** The command whose output `parseMacosUsbDrives` reads: every USB device's registry subtree, as an XML plist. */
export const IOREG_COMMAND = { command: 'ioreg', args: ['-a', '-l', '-r', '-c', 'IOUSBHostDevice'] } as const;

type Dict = { [key: string]: PlistValue };

const isDict = (v: PlistValue | undefined): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);
const children = (d: Dict): Dict[] =>
  Array.isArray(d.IORegistryEntryChildren) ? d.IORegistryEntryChildren.filter(isDict) : [];
const str = (v: PlistValue | undefined): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const hex4 = (v: PlistValue | undefined): string | null =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff ? v.toString(16).padStart(4, '0') : null;

/** A USB device entry (not an interface): it has vendor and product ids and no interface number. */
function isUsbDevice(d: Dict): boolean {
  const cls = d.IOObjectClass ?? d.IOClass;
  if (cls === 'IOUSBHostInterface' || cls === 'IOUSBInterface' || d.bInterfaceNumber !== undefined) return false;
  return typeof d.idVendor === 'number' && typeof d.idProduct === 'number';
}

/** What lies below a device up to the next USB device (a hub's devices are entries of their own). */
function below(device: Dict): { massStorage: boolean; disks: string[] } {
  let massStorage = false;
  const disks: string[] = [];
  const walk = (d: Dict, depth: number) => {
    if (depth > 64) return;
    for (const c of children(d)) {
      if (isUsbDevice(c)) continue;
      if (c.bInterfaceClass === 8) massStorage = true;
      const bsd = str(c['BSD Name']);
      // The whole disk (disk4), not its partitions (disk4s1).
      if (bsd && (c.Whole === true || /^disk\d+$/.test(bsd))) {
        massStorage = true;
        disks.push(bsd);
      }
      walk(c, depth + 1);
    }
  };
  walk(device, 0);
  return { massStorage, disks: [...new Set(disks)].sort() };
}

/**
 * Reads USB mass-storage drives from `ioreg -a -l -r -c IOUSBHostDevice` output: every IOUSBHostDevice entry with a
 * mass-storage interface (class 08) or a whole-disk IOMedia below it, its `idVendor`/`idProduct` (numbers), the
 * `USB Serial Number` string (or `kUSBSerialNumberString`), and the BSD names of its disks. The key is derived exactly as
 * on Linux. Throws when the text is not a property list.
 */
export function parseMacosUsbDrives(plist: string): UsbDrive[] {
  const root = parsePlistXml(plist);
  const drives = new Map<string, UsbDrive>();
  const visit = (d: Dict, depth: number) => {
    if (depth > 64) return;
    if (isUsbDevice(d)) {
      const { massStorage, disks } = below(d);
      const idVendor = hex4(d.idVendor);
      const idProduct = hex4(d.idProduct);
      if (massStorage && idVendor && idProduct) {
        const serial = str(d['USB Serial Number']) ?? str(d.kUSBSerialNumberString);
        const location =
          typeof d.locationID === 'number'
            ? `0x${d.locationID.toString(16).padStart(8, '0')}`
            : (str(d.IORegistryEntryName) ?? `${idVendor}:${idProduct}`);
        const drive: UsbDrive = {
          busId: location,
          idVendor,
          idProduct,
          manufacturer: str(d['USB Vendor Name']) ?? str(d.kUSBVendorString),
          product: str(d['USB Product Name']) ?? str(d.kUSBProductString),
          serial,
          blockDevices: disks,
          hardwareKey: serial ? deriveHardwareKey(idVendor, idProduct, serial) : null,
        };
        if (!serial) drive.unusableReason = 'the drive reports no serial number, so no stable key can be derived';
        // `ioreg -r` may show a device inside its hub's subtree and again as a root of its own: list it once.
        if (!drives.has(location)) drives.set(location, drive);
      }
    }
    for (const c of children(d)) visit(c, depth + 1);
  };
  for (const entry of Array.isArray(root) ? root : [root]) if (isDict(entry)) visit(entry, 0);
  return [...drives.values()];
}

/** Lists the USB mass-storage drives of this Mac through `ioreg`; an empty list when it cannot be run or read. */
export function listMacosUsbDrives(run: CommandRunner = runCommand): UsbDrive[] {
  const out = run(IOREG_COMMAND.command, [...IOREG_COMMAND.args]);
  if (out === null) return [];
  try {
    return parseMacosUsbDrives(out);
  } catch {
    return [];
  }
}
