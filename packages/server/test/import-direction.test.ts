import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../..');

/** Runs the repository's import-direction rules (what `npm run lint` runs) on a tree of small files. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-imports-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        'packages',
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'err',
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an import against the layers fails the lint: a domain service reaching up into HTTP, core into the server', () => {
  const r = cruise({
    'packages/server/src/http/app.ts': 'export const app = 1;\n',
    'packages/server/src/node/grants.ts': "import { app } from '../http/app.js';\nexport const g = app;\n",
    'packages/server/src/main/start-node.ts': "import { g } from '../node/grants.js';\nexport const s = g;\n",
    'packages/core/src/pool.ts': "import { s } from '../../server/src/main/start-node.js';\nexport const p = s;\n",
  });
  assert.notEqual(r.status, 0, r.output);
  assert.match(
    r.output,
    /domain-below-transports: packages\/server\/src\/node\/grants\.ts → packages\/server\/src\/http\/app\.ts/,
  );
  assert.match(r.output, /core-is-pure/);
  assert.match(r.output, /nothing-imports-main/);
});

test('imports that follow the layers pass', () => {
  const r = cruise({
    'packages/server/src/node/grants.ts': 'export const g = 1;\n',
    'packages/server/src/http/app.ts': "import { g } from '../node/grants.js';\nexport const app = g;\n",
    'packages/server/src/main/start-node.ts': "import { app } from '../http/app.js';\nexport const s = app;\n",
  });
  assert.equal(r.status, 0, r.output);
});
