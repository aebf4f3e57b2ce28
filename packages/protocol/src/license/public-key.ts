import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { fromBase64url } from '../base64url.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const cache = new Map<string, { key: KeyObject; kid: string }>();

/** Imports an Ed25519 public key given as `ed25519:<base64url raw 32 bytes>`, bare base64url, or PEM; cached by text. */
export function importPublicKey(text: string): { key: KeyObject; kid: string } | undefined {
  const hit = cache.get(text);
  if (hit) return hit;
  let raw: Buffer | undefined;
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN PUBLIC KEY-----')) {
    try {
      const der = createPublicKey(trimmed).export({ format: 'der', type: 'spki' });
      raw = der.subarray(der.length - 32);
      if (!der.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX)) return undefined;
    } catch {
      return undefined;
    }
  } else {
    raw = fromBase64url(trimmed.replace(/^ed25519:/, ''));
  }
  if (!raw || raw.length !== 32) return undefined;
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
  const entry = { key, kid: keyId(raw) };
  if (cache.size > 256) cache.clear();
  cache.set(text, entry);
  return entry;
}

/** The key id of a raw Ed25519 public key: the first 16 hex characters of its SHA-256. */
export function keyId(raw: Uint8Array): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** Formats a raw 32-byte Ed25519 public key as `ed25519:<base64url>`. */
export function formatPublicKey(raw: Uint8Array): string {
  return `ed25519:${Buffer.from(raw).toString('base64url')}`;
}

/** The raw 32 bytes of an Ed25519 public KeyObject. */
export function rawPublicKey(key: KeyObject): Buffer {
  const der = key.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}
