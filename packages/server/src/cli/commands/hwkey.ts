import { join } from 'node:path';
import type { Command } from 'commander';
import { platformUsbReader } from '../../hwkey/platform-usb-drives.js';
import {
  devicePath,
  formatDrive,
  listUsbDrives,
  machineIdKey,
  selectDrives,
  sysfsDir,
} from '../../hwkey/usb-drives.js';
import { CliError } from '../cli-error.js';
import { orExit } from './shared.js';

/** Exit code when no usable hardware identity is found. */
const NO_DRIVE = 2;

/** `licensor hwkey`: prints the hardware key of each USB mass-storage drive (or of the machine id). */
export function registerHwkeyCommand(program: Command): void {
  program
    .command('hwkey')
    .description('print the 64-hex hardware key of each USB mass-storage drive (the key a license file is bound to)')
    .option('--device <sdX|serial>', 'only the drive with this block device name (sdb, /dev/sdb) or serial number')
    .option('--sysfs-root <dir>', 'read sysfs under this root instead of / (DIR/sys/bus/usb/devices…)', '/')
    .option('--machine-id', 'print the key derived from /etc/machine-id instead (nodes without a USB drive)')
    .option('--json', 'print JSON')
    .action((opts: { device?: string; sysfsRoot: string; machineId?: boolean; json?: boolean }) => {
      if (opts.machineId) {
        const mk = orExit(machineIdKey(opts.sysfsRoot), NO_DRIVE);
        if (opts.json)
          process.stdout.write(
            `${JSON.stringify({ source: 'machine-id', hardwareKey: mk.key, path: mk.path }, null, 2)}\n`,
          );
        else process.stdout.write(`${mk.key}  machine-id (${mk.path})\n`);
        return;
      }
      const all = listUsbDrives(opts.sysfsRoot);
      const where =
        platformUsbReader(opts.sysfsRoot, process.platform)?.source ??
        join(sysfsDir(opts.sysfsRoot), 'bus', 'usb', 'devices');
      if (all.length === 0) {
        throw new CliError(
          `no USB mass-storage drive found (looked in ${where}); plug in the USB flash drive the license is to be bound to, ` +
            'or run `licensor hwkey --machine-id` for a key derived from /etc/machine-id (for VMs and CI)',
          NO_DRIVE,
        );
      }
      const drives = opts.device ? selectDrives(all, opts.device) : all;
      if (drives.length === 0) {
        const found = all
          .map((d) => `${d.blockDevices.map(devicePath).join(',') || d.busId} serial=${d.serial ?? '(none)'}`)
          .join('; ');
        throw new CliError(`no USB mass-storage drive matches --device ${opts.device} (found: ${found})`, NO_DRIVE);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(drives, null, 2)}\n`);
      else for (const d of drives) process.stdout.write(`${formatDrive(d)}\n`);
      if (!drives.some((d) => d.hardwareKey)) {
        throw new CliError(
          `${drives.length === 1 ? 'the drive reports no' : 'none of the drives reports a'} serial number, so no hardware key can be derived; use another USB flash drive`,
          NO_DRIVE,
        );
      }
    });
}
