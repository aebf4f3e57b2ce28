import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** A USB device to place in a fake sysfs tree. */
export interface FakeUsbDevice {
  busId: string;
  idVendor: string;
  idProduct: string;
  serial?: string;
  manufacturer?: string;
  product?: string;
  /** 08 for mass storage (default), 03 for a keyboard, … */
  interfaceClass?: string;
  /** Block device name, e.g. `sdb`. */
  block?: string;
}

/**
 * Builds `<root>/sys` the way Linux lays it out: devices under `sys/devices/pci…/usbN/<busId>`, symlinks from
 * `sys/bus/usb/devices/<busId>` and `sys/block/<sdX>` into it. Returns the root (pass it as --sysfs-root).
 */
export function fakeSysfs(devices: FakeUsbDevice[], root = mkdtempSync(join(tmpdir(), 'licensor-sysfs-'))): string {
  const sys = join(root, 'sys');
  const busDir = join(sys, 'bus', 'usb', 'devices');
  const blockDir = join(sys, 'block');
  mkdirSync(busDir, { recursive: true });
  mkdirSync(blockDir, { recursive: true });
  // a root hub, never a drive
  const hub = join(sys, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1');
  mkdirSync(join(hub, '1-0:1.0'), { recursive: true });
  writeFileSync(join(hub, 'idVendor'), '1d6b\n');
  writeFileSync(join(hub, 'idProduct'), '0002\n');
  writeFileSync(join(hub, '1-0:1.0', 'bInterfaceClass'), '09\n');
  symlinkSync(relative(busDir, hub), join(busDir, 'usb1'));
  // a fixed SATA disk, not under USB
  const sda = join(
    sys,
    'devices',
    'pci0000:00',
    '0000:00:17.0',
    'ata1',
    'host0',
    'target0:0:0',
    '0:0:0:0',
    'block',
    'sda',
  );
  mkdirSync(sda, { recursive: true });
  symlinkSync(relative(blockDir, sda), join(blockDir, 'sda'));
  devices.forEach((d, n) => {
    const dev = join(hub, d.busId);
    const intf = join(dev, `${d.busId}:1.0`);
    mkdirSync(intf, { recursive: true });
    writeFileSync(join(dev, 'idVendor'), `${d.idVendor}\n`);
    writeFileSync(join(dev, 'idProduct'), `${d.idProduct}\n`);
    if (d.serial !== undefined) writeFileSync(join(dev, 'serial'), `${d.serial}\n`);
    if (d.manufacturer !== undefined) writeFileSync(join(dev, 'manufacturer'), `${d.manufacturer}\n`);
    if (d.product !== undefined) writeFileSync(join(dev, 'product'), `${d.product}\n`);
    writeFileSync(join(intf, 'bInterfaceClass'), `${d.interfaceClass ?? '08'}\n`);
    symlinkSync(relative(busDir, dev), join(busDir, d.busId));
    symlinkSync(relative(busDir, intf), join(busDir, `${d.busId}:1.0`));
    if (d.block) {
      const h = n + 2;
      const blk = join(intf, `host${h}`, `target${h}:0:0`, `${h}:0:0:0`, 'block', d.block);
      mkdirSync(blk, { recursive: true });
      symlinkSync(relative(blockDir, blk), join(blockDir, d.block));
    }
  });
  return root;
}
