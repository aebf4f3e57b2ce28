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
  const inner = text.slice(start + begin.length, stop);
  // Fast path for the usual \n line breaks; anything else (\r\n, spaces, tabs) takes the general strip.
  const lines = inner.replaceAll('\n', '');
  return lines.includes('\r') || lines.includes(' ') || lines.includes('\t') ? inner.replace(/\s+/g, '') : lines;
}
