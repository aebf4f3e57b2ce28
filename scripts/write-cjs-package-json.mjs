#!/usr/bin/env node
// Marks each given dist/cjs directory as CommonJS: the packages are "type": "module", so without this nested
// package.json Node would load the CommonJS build's .js files as ES modules.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: write-cjs-package-json.mjs <dist/cjs dir>...');
  process.exit(2);
}
for (const dir of dirs) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}
