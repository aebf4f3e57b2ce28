/** The first line of an armored license file. */
export const LICENSE_BEGIN = '-----BEGIN LICENSOR LICENSE-----';
/** The last line of an armored license file. */
export const LICENSE_END = '-----END LICENSOR LICENSE-----';

/** Wraps base64url text between armor lines, 64 characters a line. */
export function armor(body: string, begin = LICENSE_BEGIN, end = LICENSE_END): string {
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return `${begin}\n${lines.join('\n')}\n${end}\n`;
}

/** Extracts the base64url body between armor lines, or undefined when the armor is missing. */
export function dearmor(text: string, begin = LICENSE_BEGIN, end = LICENSE_END): string | undefined {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end, start + begin.length);
  if (start < 0 || stop < 0) return undefined;
  return text.slice(start + begin.length, stop).replace(/\s+/g, '');
}
