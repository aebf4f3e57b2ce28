import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new API token secret: `lsr_` + 32 random bytes in base64url. Shown once, stored only as a hash. */
export function newTokenSecret(): string {
  return `lsr_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of a token secret; high-entropy secrets need no slow hash, and lookups stay O(1). */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
