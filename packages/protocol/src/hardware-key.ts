import { fail, ok, type Outcome } from './errors/outcome.js';

/** A hardware key: 64 lowercase hexadecimal characters (SHA-256 of a USB drive's salted identity). */
export type HardwareKey = string & { readonly __brand: 'HardwareKey' };

const HEX64 = /^[0-9a-f]{64}$/;

/** Validates a hardware key and says exactly what is wrong; surrounding spaces and upper case are forgiven. */
export function parseHardwareKey(input: unknown, field = 'hardwareKey'): Outcome<HardwareKey> {
  if (typeof input !== 'string')
    return fail('HARDWARE_KEY_INVALID', `${field} must be a string of 64 hex characters`, { field });
  const key = input.trim().toLowerCase();
  if (HEX64.test(key)) return ok(key as HardwareKey);
  if (key.length !== 64) {
    return fail('HARDWARE_KEY_INVALID', `${field} must be 64 hex characters, got ${key.length}`, { field });
  }
  const at = key.search(/[^0-9a-f]/);
  return fail(
    'HARDWARE_KEY_INVALID',
    `${field} has a non-hex character ${JSON.stringify(key[at])} at position ${at + 1}`,
    { field },
  );
}

/** True when the value is a well-formed hardware key. */
export function isHardwareKey(input: unknown): input is HardwareKey {
  return typeof input === 'string' && HEX64.test(input);
}
