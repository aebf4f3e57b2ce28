import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fail, ok, type Outcome } from '@licensor/protocol';
import { makeDirectory } from '../make-directory.js';
import { describeStoreError } from '../store-errors.js';

/** The lock file in a data dir (an SQLite file held in exclusive locking mode) and the file naming its holder. */
const LOCK_FILE = 'licensor.lock';
const HOLDER_FILE = 'licensor.pid';

/** A held lock on a data dir; `release()` lets the next process take it. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data dir for this process: one node per data dir, so two processes can never each grant a license's full
 * quantity from the same store. The lock is the kernel's (an SQLite file in exclusive locking mode), so it is freed
 * when the process dies however it dies — no stale lock to clean up by hand. `what` names the holder in the file.
 */
export function lockDataDir(dir: string, what = 'licensor serve'): Outcome<DataDirLock> {
  try {
    makeDirectory(dir, 0o700);
  } catch (err) {
    return fail('STORE_UNAVAILABLE', `cannot open the store in ${dir}: ${describeStoreError(err)}`, {
      field: 'dataDir',
    });
  }
  let db: Database.Database;
  try {
    db = new Database(join(dir, LOCK_FILE), { timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock, and exclusive locking mode keeps it until the connection closes.
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
      return fail(
        'CONFLICT',
        `data dir ${dir} is in use by another Licensor process${holderOf(dir)}: one node per data dir`,
        { field: 'dataDir' },
      );
    return fail('STORE_UNAVAILABLE', `cannot open the store in ${dir}: ${describeStoreError(err)}`, {
      field: 'dataDir',
    });
  }
  writeFileSync(join(dir, HOLDER_FILE), `${process.pid} ${what}\n`, { mode: 0o600 });
  let held = true;
  return ok({
    release() {
      if (!held) return;
      held = false;
      rmSync(join(dir, HOLDER_FILE), { force: true });
      db.close();
    },
  });
}

/** " (PID n: what)" from the holder file, or "" when it cannot be read. */
function holderOf(dir: string): string {
  try {
    const [pid, ...rest] = readFileSync(join(dir, HOLDER_FILE), 'utf8').trim().split(' ');
    return pid ? ` (PID ${pid}${rest.length ? `: ${rest.join(' ')}` : ''})` : '';
  } catch {
    return '';
  }
}
