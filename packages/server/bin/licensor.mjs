#!/usr/bin/env node
// The `licensor` command as npm links it. It is a file of the repository, not of the build: `npm ci` links bins
// before its `prepare` step builds dist/, and a link to a file that does not exist yet is not made.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('licensor: the command is not built yet; run `npm run build` in the repository first\n');
  process.exit(2);
}
await import(main.href);
