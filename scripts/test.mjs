#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test and test/ with node's test runner (TypeScript through tsx, sources
// resolved through the "licensor-source" export condition), and says plainly whether the PostgreSQL suite runs.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith('--'));

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'test'), files);
walk(join(root, 'test'), files);
const selected = files
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

function reachable(host, port) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const env = { ...process.env };
if (!env.LICENSOR_TEST_POSTGRES_URL) {
  if (await reachable('127.0.0.1', 5432)) env.LICENSOR_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
}
const pgFiles = selected.filter((f) => f.includes('postgres'));
if (files.every((f) => !f.includes('postgres')))
  console.log('PostgreSQL suite: none in this build (the PostgreSQL store is not implemented yet); SQLite suites only');
else if (!env.LICENSOR_TEST_POSTGRES_URL)
  console.log('PostgreSQL suite: SKIPPED (no server at 127.0.0.1:5432; set LICENSOR_TEST_POSTGRES_URL to run it)');
else console.log(`PostgreSQL suite: enabled (${env.LICENSOR_TEST_POSTGRES_URL}), ${pgFiles.length} file(s) selected`);

const concurrency = env.LICENSOR_TEST_CONCURRENCY ?? '2';
const args = [
  '--import',
  'tsx',
  '--conditions=licensor-source',
  '--test',
  `--test-concurrency=${concurrency}`,
  ...passthrough,
  ...selected,
];
const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
