import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { readableLogLine } from './readable-log-line.js';

export type { Logger } from 'pino';

/** Where log lines go: a writable stream; a terminal (`isTTY`) gets readable lines instead of JSON. */
export type LogOutput = { write(chunk: string): unknown; isTTY?: boolean };

/** A logger that writes nothing and opens no output: what `silent` makes, and what a caller may hand a part to quiet it. */
export const silentLogger: Logger = pino({ level: 'silent' }, { write() {} });

/**
 * Creates the node's one logger. Lines are JSON (one object per line, for log shippers) unless `out` is a terminal,
 * where each entry is one readable line; a formatter of our own keeps pino-pretty and its worker thread out.
 */
export function createLogger(level: LevelWithSilent, out: LogOutput = process.stdout): Logger {
  if (level === 'silent') return silentLogger;
  const options = { level, timestamp: pino.stdTimeFunctions.isoTime };
  if (out.isTTY) return pino(options, { write: (line: string) => out.write(readableLogLine(line)) });
  // pino's own synchronous writer on stdout: a line logged just before the process ends is not lost.
  const destination: DestinationStream =
    out === process.stdout ? pino.destination({ fd: 1, sync: true }) : { write: (line: string) => out.write(line) };
  return pino(options, destination);
}
