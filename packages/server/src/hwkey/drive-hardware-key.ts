import { createHash } from 'node:crypto';
import type { HardwareKey } from '@licensor/protocol';

/** Salt prefix of the hardware-key identity; bump the version if the formula ever changes. */
export const HWKEY_SALT = 'licensor-hwkey-v1';

/** A USB mass-storage drive found in sysfs. */
export interface UsbDrive {
  /** The USB device name in sysfs, e.g. `1-1` or `2-1.4`. */
  busId: string;
  /** Four lowercase hex digits. */
  idVendor: string;
  idProduct: string;
  manufacturer: string | null;
  product: string | null;
  /** The serial as the device reports it, or null when it reports none. */
  serial: string | null;
  /** Block device names (`sdb`) of the drive, sorted. */
  blockDevices: string[];
  /** The hardware key, or null when the drive cannot give one (see `unusableReason`). */
  hardwareKey: HardwareKey | null;
  unusableReason?: string;
}

/**
 * The identity a hardware key is derived from: `licensor-hwkey-v1\0<idVendor>\0<idProduct>\0<serial>`, vendor and
 * product lowercased, the serial as the device reports it (trailing newline and surrounding spaces removed).
 */
export function hardwareKeyIdentity(idVendor: string, idProduct: string, serial: string): string {
  return `${HWKEY_SALT}\0${idVendor.toLowerCase()}\0${idProduct.toLowerCase()}\0${serial}`;
}

/** The 64-hex hardware key of a drive: SHA-256 of its identity string. */
export function deriveHardwareKey(idVendor: string, idProduct: string, serial: string): HardwareKey {
  return createHash('sha256')
    .update(hardwareKeyIdentity(idVendor, idProduct, serial), 'utf8')
    .digest('hex') as HardwareKey;
}
