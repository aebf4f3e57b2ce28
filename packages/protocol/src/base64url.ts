const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes or UTF-8 text as unpadded base64url. */
export function toBase64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Decodes unpadded base64url, or returns undefined when the text is not base64url. */
export function fromBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64url');
}
