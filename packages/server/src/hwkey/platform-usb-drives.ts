import { IOREG_COMMAND, listMacosUsbDrives } from './macos-usb-drives.js';
import type { UsbDrive } from './drive-hardware-key.js';
import { listWindowsUsbDrives } from './windows-usb-drives.js';

/** How drives are found on a platform without sysfs: the reader, and where it looks (for messages). */
export interface PlatformUsbReader {
  list(): UsbDrive[];
  source: string;
}

/**
 * The reader for Windows (the CIM/WMI device tree through PowerShell) or macOS (the I/O Registry through `ioreg`), or
 * null where sysfs is read: Linux, and any explicit sysfs root other than `/` (a tree a test built) on every platform.
 */
export function platformUsbReader(root: string, platform: NodeJS.Platform): PlatformUsbReader | null {
  if (root !== '/') return null;
  if (platform === 'win32')
    return {
      list: () => listWindowsUsbDrives(),
      source: 'the Windows device tree (PowerShell: Get-CimInstance Win32_DiskDrive)',
    };
  if (platform === 'darwin')
    return {
      list: () => listMacosUsbDrives(),
      source: `the I/O Registry (${IOREG_COMMAND.command} ${IOREG_COMMAND.args.join(' ')})`,
    };
  return null;
}
