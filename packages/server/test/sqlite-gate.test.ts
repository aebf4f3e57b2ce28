import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { laneOf, releaseLane, SqliteGate } from '../src/store/sqlite/sqlite-gate.js';

/** A gate on a fresh database file with one table. */
function openGate(): { gate: SqliteGate; db: Database.Database; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-gate-'));
  const path = join(dir, 'gate.db');
  const db = new Database(path);
  db.exec('CREATE TABLE t (v INTEGER)');
  const gate = new SqliteGate(db, laneOf(path));
  return {
    gate,
    db,
    close() {
      db.close();
      releaseLane(path);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('work from outside an open transaction queues behind it and runs after its COMMIT', async () => {
  const g = openGate();
  try {
    let inside = false;
    const tx = g.gate.transaction(true, async (db) => {
      inside = true;
      await new Promise((r) => setTimeout(r, 20));
      db.prepare('INSERT INTO t VALUES (2)').run();
      inside = false;
    });
    const after = g.gate.run((d) => {
      assert.equal(inside, false);
      return d.prepare('SELECT count(*) AS n FROM t').get();
    });
    await tx;
    assert.deepEqual(await after, { n: 1 });
  } finally {
    g.close();
  }
});

test('a transaction that cannot roll back puts the connection out of service', async () => {
  const g = openGate();
  try {
    await assert.rejects(
      g.gate.transaction(true, async (db) => {
        db.prepare('INSERT INTO t VALUES (1)').run();
        const exec = db.exec.bind(db);
        db.exec = (sql: string) => {
          if (sql === 'ROLLBACK') throw new Error('disk I/O error');
          return exec(sql);
        };
        throw new Error('the billing step failed');
      }),
      /the billing step failed/,
    );
    await assert.rejects(
      g.gate.run((d) => d.prepare('SELECT 1').get()),
      /out of service/,
    );
  } finally {
    g.close();
  }
});
