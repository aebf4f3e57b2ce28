import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
// Ids are minted on the hot path (every lease and event): draw random bytes in blocks, not one syscall per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

/** A new random id with a type prefix, e.g. `lic_3k9x...` (16 base32 characters, 80 bits). */
export function newId(prefix: string): string {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < 16; i++) out += ALPHABET[(pool[offset + i] as number) & 31];
  offset += 16;
  return `${prefix}_${out}`;
}
