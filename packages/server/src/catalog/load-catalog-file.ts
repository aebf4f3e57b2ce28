import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, mergeCatalogs, parseCatalog } from '@licensor/core';
import { fail, type Outcome } from '@licensor/protocol';

/** The repository root, found from this module's own path (works from src/ and dist/): the nearest dir with `catalogs/`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'catalogs', 'openservice.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
    dir = up;
  }
}

/** The catalogs loaded when none is named: the two shipped examples. */
export function defaultCatalogFiles(): string[] {
  const root = repoRoot();
  return [join(root, 'catalogs', 'openservice.json'), join(root, 'catalogs', 'syrve-plugins.json')];
}

/** A path as a person should read it: relative to the working directory when inside it. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

/** Reads and validates one catalog file; a missing or unparsable file is a failure naming the path. */
export function loadCatalogFile(path: string): Outcome<Catalog> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(
      'NOT_FOUND',
      code === 'ENOENT'
        ? `catalog file ${path} does not exist`
        : `cannot read catalog file ${path}: ${code ?? String(err)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('VALIDATION_FAILED', `catalog ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseCatalog(json, path);
}

/** Loads several catalog files onto one node: each is validated, then module IDs must be unique across them. */
export function loadCatalogFiles(paths: readonly string[]): Outcome<Catalog> {
  const catalogs: Catalog[] = [];
  for (const p of paths) {
    const c = loadCatalogFile(p);
    if (!c.ok) return c;
    catalogs.push(c.value);
  }
  return mergeCatalogs(catalogs);
}
