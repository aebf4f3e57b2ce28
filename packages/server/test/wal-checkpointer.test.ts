import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createLogger } from '../src/log/logger.js';
import { WalCheckpointer } from '../src/store/sqlite/wal-checkpointer.js';

/** A logger whose warnings' messages land in `warnings`. */
function warningLog() {
  const warnings: string[] = [];
  return { warnings, log: createLogger('warn', { write: (line: string) => warnings.push(JSON.parse(line).msg) }) };
}

/** Commits small transactions back to back for `ms`, yielding between them as the group committer does. */
async function writeFor(db: Database.Database, ms: number): Promise<number> {
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const commit = db.transaction((n: number) => {
    for (let i = 0; i < 20; i++) insert.run(`${n}-${i}-${'x'.repeat(200)}`);
  });
  const stop = performance.now() + ms;
  let n = 0;
  while (performance.now() < stop) {
    commit(n++);
    await yieldTurn();
  }
  return n;
}

/** Runs `fn` with a fresh temp directory, removed afterwards. */
async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-wal-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A WAL database whose checkpoints are left to the checkpointer, with one table to write to. */
function openWalDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return db;
}

/**
 * Waits for the next pass, commits one row, and returns the WAL frames a checkpoint then finds. After a pass the WAL
 * is fully copied, so that commit starts it over from its first frame instead of appending behind everything written.
 */
async function framesAfterNextPass(cp: WalCheckpointer, db: Database.Database): Promise<number | undefined> {
  const passes = cp.passes;
  while (cp.passes === passes) await new Promise((r) => setTimeout(r, 10));
  db.prepare('INSERT INTO t (v) VALUES (?)').run('after');
  const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return wal?.log;
}

test('WalCheckpointer keeps the WAL of a busy writer bounded, off the writer thread, and stops cleanly', async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'wal.db');
    const db = openWalDb(path);
    const { warnings, log } = warningLog();
    const cp = new WalCheckpointer(db, path, 'NORMAL', log, 100);
    // Writes until several passes are done (bounded: a loaded machine starts the worker thread slowly).
    const deadline = performance.now() + 20_000;
    let commits = 0;
    while (cp.passes < 3 && performance.now() < deadline) commits += await writeFor(db, 100);
    assert.ok(cp.passes >= 3, `expected several checkpoint passes, got ${cp.passes}`);
    const frames = await framesAfterNextPass(cp, db);
    assert.ok(
      frames !== undefined && frames < 10,
      `the WAL restarted from its beginning (it holds ${frames} frames after ${commits} commits)`,
    );
    await cp.stop();
    assert.deepEqual(warnings, []);
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, commits * 20 + 1);
    db.close();
    assert.equal(
      existsSync(`${path}-wal`),
      false,
      'closing the last connection removes the WAL: the worker closed its own',
    );
  });
});

test('WalCheckpointer: when the worker cannot run, passes go on on the main thread and say so once', async () => {
  await inTempDir(async (dir) => {
    const db = openWalDb(join(dir, 'fallback.db'));
    const { warnings, log } = warningLog();
    // The worker opens the file by path and must find it: a wrong path makes it fail at start.
    const cp = new WalCheckpointer(db, join(dir, 'missing.db'), 'NORMAL', log, 50);
    const deadline = performance.now() + 20_000;
    while (warnings.length === 0 && performance.now() < deadline) await writeFor(db, 50);
    const failedAt = cp.passes;
    while (cp.passes < failedAt + 2 && performance.now() < deadline) await writeFor(db, 50);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] as string, /checkpointing on the main thread from now on/);
    const passes = cp.passes;
    assert.ok(passes >= failedAt + 2, `passes ran on the main thread after the failure (${failedAt} → ${passes})`);
    const frames = await framesAfterNextPass(cp, db);
    assert.ok(frames !== undefined && frames < 10, `the WAL restarted from its beginning (${frames} frames)`);
    await cp.stop();
    db.close();
  });
});

test('WalCheckpointer.stop() before any pass starts no thread and returns at once', async () => {
  await inTempDir(async (dir) => {
    const path = join(dir, 'idle.db');
    const db = openWalDb(path);
    const cp = new WalCheckpointer(db, path, 'NORMAL', undefined, 60_000);
    await cp.stop();
    assert.equal(cp.passes, 0);
    db.close();
  });
});
