const BASE64URL = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encodes bytes or UTF-8 text as unpadded base64url. */
export function toBase64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/**
 * Decodes unpadded base64url, or returns undefined when the text is not base64url. Only the canonical encoding is
 * accepted: a last character whose unused low bits are set (`QR` for `QQ`) would decode to the same bytes, so a
 * changed character of a signed document could otherwise go unnoticed.
 */
export function fromBase64url(text: string): Buffer | undefined {
  const rest = text.length % 4;
  if (rest === 1 || !BASE64URL.test(text)) return undefined;
  if (rest !== 0) {
    const last = ALPHABET.indexOf(text[text.length - 1] as string);
    if ((last & (rest === 2 ? 0b1111 : 0b11)) !== 0) return undefined;
  }
  return Buffer.from(text, 'base64url');
}
