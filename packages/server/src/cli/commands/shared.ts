import { readFileSync } from 'node:fs';
import type { Catalog } from '@licensor/core';
import type { Outcome } from '@licensor/protocol';
import { defaultCatalogFiles, displayPath, loadCatalogFiles } from '../../catalog/load-catalog-file.js';
import { CliError } from '../cli-error.js';

/** Commander helper for repeatable options: `--module 1 --module 2` → ['1', '2']. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Returns the value of a success, or throws a CliError with the failure's message and the given exit code. */
export function orExit<T>(outcome: Outcome<T>, exitCode = 1): T {
  if (!outcome.ok) throw new CliError(outcome.message, exitCode);
  return outcome.value;
}

/** The catalogs named by `--catalog` (or the shipped defaults), validated and merged; `names` are for messages. */
export function loadCatalogsOption(files: string[] | undefined): { catalog: Catalog; names: string[] } {
  const paths = files && files.length > 0 ? files : defaultCatalogFiles();
  const names = files && files.length > 0 ? files : paths.map((p) => displayPath(p));
  return { catalog: orExit(loadCatalogFiles(paths)), names };
}

/** Reads a text file named on the command line; a missing file is one readable line and exit 1. */
export function readInputFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} ${path} does not exist`);
    if (code === 'EISDIR') throw new CliError(`${what} ${path} is a directory, not a file`);
    throw new CliError(`cannot read ${what} ${path}: ${code ?? String(err)}`);
  }
}

/** Formats rows as left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
