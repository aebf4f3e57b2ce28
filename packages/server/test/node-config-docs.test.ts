import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { optionEnv, optionFlag } from '../src/config/node-config.js';
import { serveOptionKeys, withServeOptionsTable } from '../src/config/node-options-doc.js';

const cliDoc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');

test('docs/cli.md lists the serve options the node takes: npm run docs:cli has been run', () => {
  assert.ok(
    withServeOptionsTable(cliDoc) === cliDoc,
    'docs/cli.md: the serve options table is out of date; run npm run docs:cli',
  );
  for (const key of serveOptionKeys()) {
    assert.ok(cliDoc.includes(`| \`${optionFlag(key)} `), `docs/cli.md has a row for ${optionFlag(key)}`);
    assert.ok(cliDoc.includes(`\`${optionEnv(key)}\``), `docs/cli.md names ${optionEnv(key)}`);
  }
});
