const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encodes bytes or UTF-8 text as unpadded base64url. */
export function toBase64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Decodes unpadded base64url, or returns undefined when the text is not exactly the canonical base64url of some bytes.
 * Node's decoder is lenient: it skips unknown characters and whitespace, stops at `=`, accepts `+` and `/`, and ignores
 * set unused bits in the last character (`QR` decodes like `QQ`), so a changed character of a signed document could
 * otherwise decode to the same bytes. Checked here without a per-character regex (this is on the verify hot path):
 * any skipped or stopping character makes the output shorter than ⌊3n/4⌋ bytes (for n mod 4 ≠ 1).
 */
export function fromBase64url(text: string): Buffer | undefined {
  const n = text.length;
  const rest = n % 4;
  if (rest === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== Math.floor((n * 3) / 4) || text.includes('+') || text.includes('/')) return undefined;
  if (rest !== 0 && (ALPHABET.indexOf(text[n - 1] as string) & (rest === 2 ? 0b1111 : 0b11)) !== 0) return undefined;
  return bytes;
}
