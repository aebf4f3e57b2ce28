const BASE64URL = /^[A-Za-z0-9_-]*$/;

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
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (text.length % 4 !== 0 && bytes.toString('base64url') !== text) return undefined;
  return bytes;
}
