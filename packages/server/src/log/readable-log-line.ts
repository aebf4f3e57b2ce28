/** pino's numeric levels as the words a reader expects. */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields every entry has that the readable line shows in its own place, or not at all. */
const OMITTED = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** A field's value as `key=value`; plain words stay bare so the line reads like prose. */
function field(key: string, value: unknown): string {
  const text = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return `${key}=${text}`;
}

/**
 * One pino JSON line as `HH:MM:SS.mmm LEVEL message key=value …` (an error's stack indented below it); a line that
 * is not JSON passes through unchanged.
 */
export function readableLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time =
    typeof entry.time === 'string'
      ? entry.time.slice(11, 23)
      : typeof entry.time === 'number'
        ? new Date(entry.time).toISOString().slice(11, 23)
        : '';
  const level = (LEVELS[entry.level as number] ?? String(entry.level)).padEnd(5);
  const parts = [time, level, typeof entry.msg === 'string' ? entry.msg : ''].filter((p) => p !== '');
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (OMITTED.has(key)) continue;
    const err = value as { type?: string; message?: string; stack?: string } | null;
    if (typeof err === 'object' && err !== null && typeof err.message === 'string' && typeof err.stack === 'string') {
      parts.push(field(key, `${err.type ?? 'Error'}: ${err.message}`));
      stack += `${err.stack
        .split('\n')
        .slice(1)
        .map((l) => `    ${l.trim()}`)
        .join('\n')}\n`;
    } else parts.push(field(key, value));
  }
  return `${parts.join(' ')}\n${stack}`;
}
