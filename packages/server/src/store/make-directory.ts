import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and any missing parents with `mode`, one level at a time. Node's own `mkdirSync(dir, { recursive })`
 * never returns for some paths (under /proc it retries ENOENT forever); here every failure is an ordinary error with
 * its code (ENOENT, EACCES, EROFS, ENOTDIR) naming the level that could not be made.
 */
export function makeDirectory(dir: string, mode: number): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    try {
      if (!statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a directory`), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
