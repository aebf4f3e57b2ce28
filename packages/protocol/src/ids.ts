import { randomBytes } from 'node:crypto';

/** A new random id with a type prefix, e.g. `lic_3k9x...` (16 base32 characters, 80 bits). */
export function newId(prefix: string): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomBytes(16);
  let out = '';
  for (let i = 0; i < 16; i++) out += alphabet[(bytes[i] as number) & 31];
  return `${prefix}_${out}`;
}
