// Hardware keys on Windows and macOS, read from command outputs kept as fixtures (test/fixtures/hwkey): the same drive
// must give the same key as on Linux, from the same vendor id, product id and serial.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { IOREG_COMMAND, listMacosUsbDrives, parseMacosUsbDrives } from '../src/hwkey/macos-usb-drives.js';
import { parsePlistXml } from '../src/hwkey/parse-plist-xml.js';
import { platformUsbReader } from '../src/hwkey/platform-usb-drives.js';
import { deriveHardwareKey, formatDrive, listUsbDrives, selectDrives } from '../src/hwkey/usb-drives.js';
import {
  listWindowsUsbDrives,
  POWERSHELL_COMMAND,
  parseWindowsUsbDrives,
  WINDOWS_USB_DRIVES_SCRIPT,
} from '../src/hwkey/windows-usb-drives.js';
import { fakeSysfs } from './fake-sysfs.js';

const FIXTURES = new URL('./fixtures/hwkey/', import.meta.url).pathname;
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const WINDOWS = fixture('windows-win32-diskdrive.json');
const MACOS = fixture('macos-ioreg-usb.plist');

const SANDISK = {
  busId: '1-1',
  idVendor: '0781',
  idProduct: '5567',
  serial: '4C530001230925117433',
  manufacturer: 'SanDisk',
  product: 'Cruzer Blade',
  block: 'sdb',
};
const SANDISK_KEY = deriveHardwareKey('0781', '5567', '4C530001230925117433');

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

test('one drive, one key on Linux, Windows and macOS', () => {
  const root = fakeSysfs([SANDISK]);
  roots.push(root);
  const linux = listUsbDrives(root)[0]?.hardwareKey;
  const windows = parseWindowsUsbDrives(WINDOWS).find((d) => d.serial === SANDISK.serial)?.hardwareKey;
  const macos = parseMacosUsbDrives(MACOS).find((d) => d.serial === SANDISK.serial)?.hardwareKey;
  assert.equal(linux, SANDISK_KEY);
  assert.equal(windows, SANDISK_KEY);
  assert.equal(macos, SANDISK_KEY);
});

test('Windows: USB disks found through their USB device ancestor; internal disks skipped', () => {
  const drives = parseWindowsUsbDrives(WINDOWS);
  assert.deepEqual(
    drives.map((d) => [d.idVendor, d.idProduct, d.serial, d.blockDevices]),
    [
      ['0781', '5567', '4C530001230925117433', ['\\\\.\\PHYSICALDRIVE1', 'E:']],
      // behind a hub: the nearest USB device up the tree is the drive, not the hub
      ['0951', '1666', 'E0D55EA574E6F4B0F9A1', ['\\\\.\\PHYSICALDRIVE2', 'F:', 'G:']],
      ['090c', '1000', null, ['\\\\.\\PHYSICALDRIVE3', 'H:']],
      // USB-attached SCSI: the disk is SCSI\…, its parent the USB device
      ['04e8', '61f5', '1234567DEF12', ['\\\\.\\PHYSICALDRIVE4', 'I:']],
      // a card reader's two slots are two disks of one USB device: one drive
      ['05e3', '0749', '000000001532', ['\\\\.\\PHYSICALDRIVE5', 'J:', '\\\\.\\PHYSICALDRIVE6']],
    ],
  );
  const sandisk = drives[0]!;
  assert.equal(sandisk.busId, 'USB\\VID_0781&PID_5567\\4C530001230925117433');
  assert.equal(sandisk.product, 'SanDisk Cruzer Blade', 'the disk model without its " USB Device" suffix');
  assert.equal(drives[1]?.hardwareKey, deriveHardwareKey('0951', '1666', 'E0D55EA574E6F4B0F9A1'));
});

test('Windows: a drive without a serial (an instance id Windows made up) is listed as unusable', () => {
  const generic = parseWindowsUsbDrives(WINDOWS).find((d) => d.idVendor === '090c');
  assert.ok(generic);
  assert.equal(generic.hardwareKey, null);
  assert.match(generic.unusableReason ?? '', /no serial number.*6&1C3D4E5F&0&3/);
  assert.match(formatDrive(generic), /UNUSABLE: no serial number/);
});

test('Windows: a lone object, an empty answer and a byte-order mark are read; other text is refused', () => {
  const one = JSON.stringify({
    DeviceID: '\\\\.\\PHYSICALDRIVE1',
    PNPDeviceID: 'USBSTOR\\X',
    Model: 'X',
    Parents: 'USB\\VID_0781&PID_5567\\4C530001230925117433',
    DriveLetters: 'E:',
  });
  assert.deepEqual(
    parseWindowsUsbDrives(one).map((d) => [d.hardwareKey, d.blockDevices]),
    [[SANDISK_KEY, ['\\\\.\\PHYSICALDRIVE1', 'E:']]],
  );
  const wrapped = JSON.stringify({
    value: [
      {
        DeviceID: '\\\\.\\PHYSICALDRIVE1',
        Parents: { value: ['USB\\VID_0781&PID_5567\\4C530001230925117433'], Count: 1 },
        DriveLetters: { value: ['E:'], Count: 1 },
      },
    ],
    Count: 1,
  });
  assert.deepEqual(
    parseWindowsUsbDrives(wrapped).map((d) => [d.hardwareKey, d.blockDevices]),
    [[SANDISK_KEY, ['\\\\.\\PHYSICALDRIVE1', 'E:']]],
    'arrays written as { value, Count }',
  );
  assert.deepEqual(parseWindowsUsbDrives(''), []);
  assert.deepEqual(parseWindowsUsbDrives('[]\r\n'), []);
  assert.equal(parseWindowsUsbDrives(`\uFEFF${WINDOWS}`).length, 5);
  assert.throws(() => parseWindowsUsbDrives('Get-PnpDeviceProperty : The term is not recognized'));
});

test('Windows: the script runs through powershell.exe -EncodedCommand; a failure lists no drive', () => {
  const calls: string[][] = [];
  const drives = listWindowsUsbDrives((command, args) => {
    calls.push([command, ...args]);
    return WINDOWS;
  });
  assert.equal(drives.length, 5);
  assert.equal(calls[0]?.[0], 'powershell.exe');
  const encoded = calls[0]?.at(-1) ?? '';
  assert.equal(Buffer.from(encoded, 'base64').toString('utf16le'), WINDOWS_USB_DRIVES_SCRIPT);
  assert.deepEqual(calls[0]?.slice(1, -1), [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
  ]);
  assert.deepEqual(POWERSHELL_COMMAND.args.at(-1), encoded);
  assert.deepEqual(
    listWindowsUsbDrives(() => null),
    [],
    'powershell.exe missing or failing',
  );
  assert.deepEqual(
    listWindowsUsbDrives(() => 'garbage'),
    [],
  );
});

test('Windows: drives print and are picked by their letter or physical drive, not as /dev paths', () => {
  const drives = parseWindowsUsbDrives(WINDOWS);
  assert.equal(
    formatDrive(drives[0]!),
    `${SANDISK_KEY}  0781:5567 SanDisk Cruzer Blade serial=4C530001230925117433 (\\\\.\\PHYSICALDRIVE1, E:)`,
  );
  assert.equal(selectDrives(drives, 'E:')[0]?.serial, SANDISK.serial);
  assert.equal(selectDrives(drives, '\\\\.\\PHYSICALDRIVE2')[0]?.idVendor, '0951');
  assert.equal(selectDrives(drives, '1234567DEF12')[0]?.idVendor, '04e8');
});

test('macOS: USB devices with a mass-storage interface, their whole disks, each once', () => {
  const drives = parseMacosUsbDrives(MACOS);
  assert.deepEqual(
    drives.map((d) => [d.busId, d.idVendor, d.idProduct, d.manufacturer, d.product, d.serial, d.blockDevices]),
    [
      ['0x14200000', '0781', '5567', 'SanDisk', 'Cruzer Blade', '4C530001230925117433', ['disk4']],
      // inside its hub's subtree and again as a root of its own: listed once; the hub itself is no drive
      ['0x14110000', '0951', '1666', 'Kingston', 'DataTraveler 3.0', 'E0D55EA574E6F4B0F9A1', ['disk5']],
      ['0x14400000', '090c', '1000', 'Generic', 'Flash Disk', null, ['disk6']],
      // only the kUSB… property names (newer macOS): read all the same
      ['0x01100000', '04e8', '61f5', 'Samsung', 'Portable SSD T5', '1234567DEF12', ['disk7']],
    ],
  );
  assert.equal(drives[1]?.hardwareKey, deriveHardwareKey('0951', '1666', 'E0D55EA574E6F4B0F9A1'));
  assert.equal(drives[2]?.hardwareKey, null, 'no serial, no key');
  assert.equal(
    formatDrive(drives[0]!),
    `${SANDISK_KEY}  0781:5567 SanDisk Cruzer Blade serial=4C530001230925117433 (/dev/disk4)`,
  );
  assert.equal(selectDrives(drives, '/dev/disk5')[0]?.idVendor, '0951');
});

test('macOS: the registry is read through ioreg; a failure lists no drive', () => {
  const calls: string[][] = [];
  assert.equal(
    listMacosUsbDrives((command, args) => {
      calls.push([command, ...args]);
      return MACOS;
    }).length,
    4,
  );
  assert.deepEqual(calls, [[IOREG_COMMAND.command, ...IOREG_COMMAND.args]]);
  assert.deepEqual(calls[0], ['ioreg', '-a', '-l', '-r', '-c', 'IOUSBHostDevice']);
  assert.deepEqual(
    listMacosUsbDrives(() => null),
    [],
  );
  assert.deepEqual(
    listMacosUsbDrives(() => 'ioreg: not a plist'),
    [],
  );
});

test('XML property lists: values, entities, empty elements; malformed text is refused', () => {
  const doc = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<!-- a comment -->
<dict>
	<key>name</key><string>A &amp; B &lt;1&gt; &#x41;&#66;</string>
	<key>n</key><integer>-12</integer>
	<key>r</key><real>1.5</real>
	<key>yes</key><true/>
	<key>no</key><false/>
	<key>empty</key><string/>
	<key>list</key><array><integer>1</integer><array/><dict/></array>
	<key>blob</key><data>AAEC</data>
</dict>
</plist>`;
  assert.deepEqual(parsePlistXml(doc), {
    name: 'A & B <1> AB',
    n: -12,
    r: 1.5,
    yes: true,
    no: false,
    empty: '',
    list: [1, [], {}],
    blob: 'AAEC',
  });
  for (const bad of [
    '',
    'not xml',
    '<plist><dict><key>a</key></dict></plist>',
    '<plist><array><integer>x</integer></array></plist>',
    '<plist><dict><string>a</string></dict></plist>',
    '<plist><array></dict></plist>',
    '<plist><array/>',
  ]) {
    assert.throws(() => parsePlistXml(bad), /not an XML property list/, JSON.stringify(bad));
  }
});

test('dispatch: Windows and macOS read their device trees; Linux and an explicit sysfs root read sysfs', () => {
  assert.equal(platformUsbReader('/', 'linux'), null);
  assert.match(platformUsbReader('/', 'win32')?.source ?? '', /PowerShell: Get-CimInstance Win32_DiskDrive/);
  assert.match(platformUsbReader('/', 'darwin')?.source ?? '', /ioreg -a -l -r -c IOUSBHostDevice/);
  const root = fakeSysfs([SANDISK]);
  roots.push(root);
  assert.equal(platformUsbReader(root, 'win32'), null, 'a sysfs tree given explicitly is read on any platform');
  for (const platform of ['linux', 'win32', 'darwin'] as const)
    assert.equal(listUsbDrives(root, platform)[0]?.hardwareKey, SANDISK_KEY, platform);
});
