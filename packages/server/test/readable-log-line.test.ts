import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/log/logger.js';
import { readableLogLine } from '../src/log/readable-log-line.js';

/** A logger writing JSON lines into an array (not a terminal, so JSON), and the lines it wrote. */
function capture(level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  return { log: createLogger(level, { write: (s: string) => lines.push(s) }), lines };
}

test('a pino entry reads as time, level, message and its fields', () => {
  const { log, lines } = capture();
  log.warn(
    { code: 'LICENSE_EXPIRED', url: 'http://127.0.0.1:7070', note: 'two words' },
    'the stored license is not used',
  );
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0] as string);
  assert.equal(entry.level, 40);
  assert.equal(entry.msg, 'the stored license is not used');
  assert.match(
    readableLogLine(lines[0] as string),
    /^\d\d:\d\d:\d\d\.\d{3} WARN {2}the stored license is not used code=LICENSE_EXPIRED url=http:\/\/127\.0\.0\.1:7070 note="two words"\n$/,
  );
});

test('an error reads as its type and message, its stack indented below', () => {
  const { log, lines } = capture();
  log.error({ err: new RangeError('out of slots') }, 'reaper failed');
  const [first, ...stack] = readableLogLine(lines[0] as string)
    .trimEnd()
    .split('\n');
  assert.match(first as string, /^\d\d:\d\d:\d\d\.\d{3} ERROR reaper failed err="RangeError: out of slots"$/);
  assert.ok(stack.length > 0 && stack.every((l) => l.startsWith('    at ')), stack.join('\n'));
});

test('the level filters, and a line that is not JSON passes through', () => {
  const { log, lines } = capture('warn');
  log.info('not shown');
  log.warn('shown');
  assert.equal(lines.length, 1);
  assert.equal(readableLogLine('plain text'), 'plain text\n');
});
