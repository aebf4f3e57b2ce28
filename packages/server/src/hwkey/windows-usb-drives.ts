import { type CommandRunner, runCommand } from './run-command.js';
import { deriveHardwareKey, type UsbDrive } from './drive-hardware-key.js';

/**
 * The PowerShell script whose output `parseWindowsUsbDrives` reads: every disk of the CIM/WMI device tree
 * (`Win32_DiskDrive`) with its device-instance ancestors (`DEVPKEY_Device_Parent`, up to four) and its drive letters,
 * as JSON. The disk of a USB flash drive (`USBSTOR\…`, or `SCSI\…` for USB-attached SCSI) has the USB device
 * `USB\VID_xxxx&PID_xxxx\<serial>` among its ancestors.
 */
export const WINDOWS_USB_DRIVES_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false',
  '$disks = @(Get-CimInstance -ClassName Win32_DiskDrive | ForEach-Object {',
  '  $disk = $_',
  '  $parents = @()',
  '  $id = $disk.PNPDeviceID',
  '  for ($i = 0; $i -lt 4 -and $id; $i++) {',
  "    $id = (Get-PnpDeviceProperty -InstanceId $id -KeyName 'DEVPKEY_Device_Parent' -ErrorAction SilentlyContinue).Data",
  '    if ($id) { $parents += [string]$id }',
  '  }',
  '  $letters = @(Get-CimAssociatedInstance -InputObject $disk -ResultClassName Win32_DiskPartition |',
  '    ForEach-Object { Get-CimAssociatedInstance -InputObject $_ -ResultClassName Win32_LogicalDisk } |',
  '    ForEach-Object { [string]$_.DeviceID })',
  '  [pscustomobject]@{ DeviceID = [string]$disk.DeviceID; PNPDeviceID = [string]$disk.PNPDeviceID; Model = [string]$disk.Model;',
  '    InterfaceType = [string]$disk.InterfaceType; Parents = $parents; DriveLetters = $letters }',
  '})',
  'ConvertTo-Json -InputObject $disks -Depth 4 -Compress',
].join('\n');

/** How the script is run: Windows PowerShell 5.1 (present on every Windows 10/11 and Server 2016+), no profile. */
export const POWERSHELL_COMMAND = {
  command: 'powershell.exe',
  args: [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
    Buffer.from(WINDOWS_USB_DRIVES_SCRIPT, 'utf16le').toString('base64'),
  ],
} as const;

/** `USB\VID_0781&PID_5567\4C530001230925117433`: a whole USB device (an `&MI_xx` interface of a composite device is not). */
const USB_DEVICE = /^USB\\VID_([0-9A-F]{4})&PID_([0-9A-F]{4})\\(.+)$/i;
/** An instance id Windows made up because the device reports no usable serial (`5&2a3b4c5d&0&2`). */
const GENERATED_INSTANCE = /^[0-9A-F]+&[0-9A-F]+&[0-9A-F]+(&[0-9A-F]+)*$/i;

interface DiskRecord {
  DeviceID?: unknown;
  PNPDeviceID?: unknown;
  Model?: unknown;
  Parents?: unknown;
  DriveLetters?: unknown;
}

/** Windows PowerShell 5.1 can write an array as `{ "value": [...], "Count": n }`; both forms are read. */
const unwrap = (v: unknown): unknown =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as { value?: unknown }).value)
    ? (v as { value: unknown[] }).value
    : v;
const strings = (v: unknown): string[] => {
  const list = unwrap(v);
  return (Array.isArray(list) ? list : list === null || list === undefined ? [] : [list]).filter(
    (s): s is string => typeof s === 'string' && s !== '',
  );
};
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Reads USB mass-storage drives from the JSON that `WINDOWS_USB_DRIVES_SCRIPT` prints: for every disk, the nearest
 * ancestor that is a whole USB device gives the vendor id, product id and serial (the device-instance id's last part),
 * from which the key is derived exactly as on Linux. Disks with no USB ancestor (SATA, NVMe) are skipped; several disks
 * of one USB device (a card reader's slots) make one drive. Throws when the text is not JSON.
 */
export function parseWindowsUsbDrives(json: string): UsbDrive[] {
  const trimmed = json.replace(/^\uFEFF/, '').trim();
  const parsed = unwrap(trimmed === '' ? [] : JSON.parse(trimmed));
  // PowerShell writes a lone object instead of a one-element array when it is not told otherwise.
  const disks = (Array.isArray(parsed) ? parsed : [parsed]).filter(
    (d): d is DiskRecord => typeof d === 'object' && d !== null,
  );
  const drives = new Map<string, UsbDrive>();
  for (const disk of disks) {
    // The first whole USB device up the tree: an `&MI_xx` interface of a composite device does not match.
    const usb = strings(disk.Parents)
      .map((id) => USB_DEVICE.exec(id))
      .find((m) => m !== null);
    if (!usb) continue;
    const [instanceId, vid, pid, instance] = usb as unknown as [string, string, string, string];
    const idVendor = vid.toLowerCase();
    const idProduct = pid.toLowerCase();
    const serial = GENERATED_INSTANCE.test(instance) ? null : instance;
    const devices = [...strings(disk.DeviceID), ...strings(disk.DriveLetters).sort()];
    const held = drives.get(instanceId);
    if (held) {
      held.blockDevices = [...new Set([...held.blockDevices, ...devices])];
      continue;
    }
    const drive: UsbDrive = {
      busId: instanceId,
      idVendor,
      idProduct,
      manufacturer: null,
      // Windows names the disk "<vendor> <product> USB Device"; the device's own strings are not in the CIM tree.
      product: text(disk.Model)?.replace(/ USB Device$/i, '') ?? null,
      serial,
      blockDevices: devices,
      hardwareKey: serial ? deriveHardwareKey(idVendor, idProduct, serial) : null,
    };
    if (!serial)
      drive.unusableReason = `the drive reports no serial number (Windows made up the instance id ${instance}), so no stable key can be derived`;
    drives.set(instanceId, drive);
  }
  return [...drives.values()];
}

/** Lists the USB mass-storage drives of this Windows machine through PowerShell; an empty list when it cannot be run or read. */
export function listWindowsUsbDrives(run: CommandRunner = runCommand): UsbDrive[] {
  const out = run(POWERSHELL_COMMAND.command, [...POWERSHELL_COMMAND.args]);
  if (out === null) return [];
  try {
    return parseWindowsUsbDrives(out);
  } catch {
    return [];
  }
}
