import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isHardwareKey } from '@licensor/protocol';
import {
  deriveHardwareKey,
  formatDrive,
  hardwareKeyIdentity,
  listUsbDrives,
  machineIdKey,
  selectDrives,
} from '../src/hwkey/usb-drives.js';
import { fakeSysfs } from './fake-sysfs.js';

const roots: string[] = [];
const tree = (...args: Parameters<typeof fakeSysfs>) => {
  const r = fakeSysfs(...args);
  roots.push(r);
  return r;
};
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const SANDISK = {
  busId: '1-1',
  idVendor: '0781',
  idProduct: '5567',
  serial: '4C530001230925117433',
  manufacturer: 'SanDisk',
  product: 'Cruzer Blade',
  block: 'sdb',
};
const KINGSTON = {
  busId: '1-2',
  idVendor: '0951',
  idProduct: '1666',
  serial: 'E0D55EA574E6F4B0F9A1',
  manufacturer: 'Kingston',
  product: 'DataTraveler 3.0',
  block: 'sdc',
};

test('the key is SHA-256 of the documented salted identity', () => {
  assert.equal(hardwareKeyIdentity('0781', '5567', 'ABC'), 'licensor-hwkey-v1\u00000781\u00005567\u0000ABC');
  const expected = createHash('sha256').update('licensor-hwkey-v1\u00000781\u00005567\u0000ABC').digest('hex');
  assert.equal(deriveHardwareKey('0781', '5567', 'ABC'), expected);
  assert.equal(deriveHardwareKey('0781', '5567', 'ABC'), deriveHardwareKey('0781', '5567', 'ABC'), 'stable');
  assert.notEqual(
    deriveHardwareKey('0781', '5567', 'ABC'),
    deriveHardwareKey('0781', '5567', 'abc'),
    'serial kept as-is',
  );
  assert.ok(isHardwareKey(expected));
});

test('no drive: an empty list (a keyboard and a SATA disk are not drives)', () => {
  assert.deepEqual(listUsbDrives(tree([])), []);
  const kb = tree([{ busId: '1-3', idVendor: '046d', idProduct: 'c31c', serial: 'KB1', interfaceClass: '03' }]);
  assert.deepEqual(listUsbDrives(kb), []);
  assert.deepEqual(listUsbDrives(join(tmpdir(), 'licensor-no-such-root')), []);
});

test('one drive: identity, block device and key', () => {
  const drives = listUsbDrives(tree([SANDISK]));
  assert.equal(drives.length, 1);
  const d = drives[0]!;
  assert.equal(d.idVendor, '0781');
  assert.equal(d.idProduct, '5567');
  assert.equal(d.serial, SANDISK.serial);
  assert.equal(d.manufacturer, 'SanDisk');
  assert.equal(d.product, 'Cruzer Blade');
  assert.deepEqual(d.blockDevices, ['sdb']);
  assert.equal(d.hardwareKey, deriveHardwareKey('0781', '5567', SANDISK.serial));
  assert.equal(formatDrive(d), `${d.hardwareKey}  0781:5567 SanDisk Cruzer Blade serial=${SANDISK.serial} (/dev/sdb)`);
});

test('the root may also be the sysfs mount itself', () => {
  const root = tree([SANDISK]);
  assert.equal(listUsbDrives(join(root, 'sys'))[0]?.hardwareKey, listUsbDrives(root)[0]?.hardwareKey);
});

test('vendor and product IDs are lowercased before hashing', () => {
  const upper = listUsbDrives(tree([{ ...SANDISK, idVendor: '0A5C', idProduct: 'BEEF' }]))[0]!;
  assert.equal(upper.hardwareKey, deriveHardwareKey('0a5c', 'beef', SANDISK.serial));
});

test('two drives: both listed with distinct keys; --device picks by block name or serial', () => {
  const drives = listUsbDrives(tree([SANDISK, KINGSTON]));
  assert.equal(drives.length, 2);
  assert.deepEqual(
    drives.map((d) => d.blockDevices[0]),
    ['sdb', 'sdc'],
  );
  assert.notEqual(drives[0]!.hardwareKey, drives[1]!.hardwareKey);
  assert.deepEqual(
    selectDrives(drives, 'sdc').map((d) => d.serial),
    [KINGSTON.serial],
  );
  assert.deepEqual(
    selectDrives(drives, '/dev/sdb').map((d) => d.serial),
    [SANDISK.serial],
  );
  assert.deepEqual(
    selectDrives(drives, KINGSTON.serial).map((d) => d.blockDevices),
    [['sdc']],
  );
  assert.deepEqual(selectDrives(drives, 'sdz'), []);
});

test('a drive without a serial is listed but has no key', () => {
  const drives = listUsbDrives(
    tree([
      SANDISK,
      {
        busId: '1-4',
        idVendor: '090c',
        idProduct: '1000',
        manufacturer: 'Generic',
        product: 'Flash Disk',
        block: 'sdd',
      },
    ]),
  );
  assert.equal(drives.length, 2);
  const bare = drives.find((d) => d.busId === '1-4')!;
  assert.equal(bare.serial, null);
  assert.equal(bare.hardwareKey, null);
  assert.match(bare.unusableReason ?? '', /no serial/);
  assert.match(formatDrive(bare), /^-{64} {2}090c:1000 Generic Flash Disk serial=\(none\) \(\/dev\/sdd\) {2}UNUSABLE/);
});

test('a drive without sys/block links still finds its block device below the USB device', () => {
  const root = tree([SANDISK]);
  rmSync(join(root, 'sys', 'block'), { recursive: true });
  assert.deepEqual(listUsbDrives(root)[0]?.blockDevices, ['sdb']);
});

test('machine-id key: salted SHA-256 of /etc/machine-id; missing or malformed is a failure', () => {
  const root = mkdtempSync(join(tmpdir(), 'licensor-mid-'));
  roots.push(root);
  assert.equal(machineIdKey(root).ok, false);
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc', 'machine-id'), 'not-an-id\n');
  assert.equal(machineIdKey(root).ok, false);
  const id = '0123456789abcdef0123456789abcdef';
  writeFileSync(join(root, 'etc', 'machine-id'), `${id}\n`);
  const r = machineIdKey(root);
  assert.ok(r.ok);
  assert.equal(r.value.key, createHash('sha256').update(`licensor-machine-v1\u0000${id}`).digest('hex'));
});
