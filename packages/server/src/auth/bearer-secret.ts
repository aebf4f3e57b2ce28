/**
 * The token secret of an `Authorization: Bearer <secret>` header. The scheme name is case-insensitive (RFC 9110
 * §11.1), so `bearer`, `BEARER` and `Bearer` all work; anything else yields undefined.
 */
export function bearerSecret(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^bearer[ \t]+(\S.*)$/i.exec(header);
  return m ? (m[1] as string).trim() : undefined;
}
