// Writes the `licensor serve` options table of docs/cli.md from the option table the node is configured with
// (packages/server/src/config/node-options.ts). `--check` writes nothing and exits 1 when the file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { withServeOptionsTable } from '../packages/server/src/config/node-options-doc.js';

const file = new URL('../docs/cli.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withServeOptionsTable(before);
if (process.argv.includes('--check')) {
  if (after !== before) {
    process.stderr.write('docs/cli.md: the serve options table is out of date; run npm run docs:cli\n');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  process.stdout.write('docs/cli.md: serve options table written\n');
} else {
  process.stdout.write('docs/cli.md: serve options table up to date\n');
}
