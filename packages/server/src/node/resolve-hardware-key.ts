import { fail, ok, type Outcome } from '@licensor/protocol';
import type { NodeConfig } from '../config/node-config.js';
import { listUsbDrives, machineIdKey, selectDrives } from '../hwkey/usb-drives.js';
import type { NodeHardwareKey } from './node-hardware-key.js';

/**
 * The node's hardware key from its configured source: a USB drive, the machine id, or an explicit key. A key read
 * under another sysfs root than `/` is not trusted: whoever runs the node can write such a tree.
 */
export function resolveHardwareKey(
  config: Pick<NodeConfig, 'hardwareKeySource' | 'hardwareKey' | 'usbDevice' | 'sysfsRoot'>,
): Outcome<NodeHardwareKey & { detail: string }> {
  if (config.hardwareKeySource === 'explicit' && config.hardwareKey)
    return ok({ key: config.hardwareKey, source: 'explicit', trusted: false, detail: 'given with --hardware-key' });
  const trusted = config.sysfsRoot === '/';
  if (config.hardwareKeySource === 'machine-id') {
    const m = machineIdKey(config.sysfsRoot);
    return m.ok ? ok({ key: m.value.key, source: 'machine-id', trusted, detail: `derived from ${m.value.path}` }) : m;
  }
  const drives = listUsbDrives(config.sysfsRoot).filter((d) => d.hardwareKey);
  const chosen = config.usbDevice ? selectDrives(drives, config.usbDevice) : drives;
  const drive = chosen[0];
  if (!drive?.hardwareKey) {
    return fail(
      'VALIDATION_FAILED',
      config.usbDevice
        ? `no USB drive matches --usb-device ${config.usbDevice} (run \`licensor hwkey\` to list them)`
        : 'no USB mass-storage drive with a serial number was found; plug in the licensed drive (`licensor hwkey` lists the drives it sees), or, for a license issued --key-source machine-id, start with --hardware-key-source machine-id',
      { field: 'hardwareKeySource' },
    );
  }
  return ok({
    key: drive.hardwareKey,
    source: 'usb',
    trusted,
    detail: `USB drive ${drive.idVendor}:${drive.idProduct} serial ${drive.serial}`,
  });
}
