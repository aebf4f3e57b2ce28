import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as yieldTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { WalCheckpointer } from '../src/store/sqlite/wal-checkpointer.js';

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

test('WalCheckpointer keeps the WAL of a busy writer bounded, off the writer thread, and stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-wal-'));
  try {
    const path = join(dir, 'wal.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const warnings: string[] = [];
    const cp = new WalCheckpointer(db, path, 'NORMAL', (m) => warnings.push(m), 100);
    // Writes until several passes are done (bounded: a loaded machine starts the worker thread slowly).
    const deadline = performance.now() + 20_000;
    let commits = 0;
    while (cp.passes < 3 && performance.now() < deadline) commits += await writeFor(db, 100);
    assert.ok(cp.passes >= 3, `expected several checkpoint passes, got ${cp.passes}`);
    // After a pass the WAL is fully copied, so the next commit starts it over from its first frame instead of
    // appending behind the ~commits × 20 rows written so far: a checkpoint now finds only that commit's frames.
    const passes = cp.passes;
    while (cp.passes === passes) await new Promise((r) => setTimeout(r, 10));
    db.prepare('INSERT INTO t (v) VALUES (?)').run('after');
    const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    assert.ok(wal && wal.log < 10, `the WAL restarted from its beginning (it holds ${wal?.log} frames after ${commits} commits)`);
    await cp.stop();
    assert.deepEqual(warnings, []);
    assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, commits * 20 + 1);
    db.close();
    assert.equal(existsSync(`${path}-wal`), false, 'closing the last connection removes the WAL: the worker closed its own');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WalCheckpointer: when the worker cannot run, passes go on on the main thread and say so once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-wal-'));
  try {
    const path = join(dir, 'fallback.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const warnings: string[] = [];
    // The worker opens the file by path and must find it: a wrong path makes it fail at start.
    const cp = new WalCheckpointer(db, join(dir, 'missing.db'), 'NORMAL', (m) => warnings.push(m), 50);
    const deadline = performance.now() + 20_000;
    while (warnings.length === 0 && performance.now() < deadline) await writeFor(db, 50);
    const failedAt = cp.passes;
    while (cp.passes < failedAt + 2 && performance.now() < deadline) await writeFor(db, 50);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] as string, /checkpointing on the main thread from now on/);
    const passes = cp.passes;
    assert.ok(passes >= failedAt + 2, `passes ran on the main thread after the failure (${failedAt} → ${passes})`);
    while (cp.passes === passes) await new Promise((r) => setTimeout(r, 10));
    db.prepare('INSERT INTO t (v) VALUES (?)').run('after');
    const [wal] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    assert.ok(wal && wal.log < 10, `the WAL restarted from its beginning (${wal?.log} frames)`);
    await cp.stop();
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WalCheckpointer.stop() before any pass starts no thread and returns at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-wal-'));
  try {
    const path = join(dir, 'idle.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    const cp = new WalCheckpointer(db, path, 'NORMAL', () => {}, 60_000);
    await cp.stop();
    assert.equal(cp.passes, 0);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
