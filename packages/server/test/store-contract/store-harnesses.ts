// How the contract suites open each adapter: one SQLite file, or a PostgreSQL schema of its own dropped at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execInSchema, lockPostgres, testSchema } from '../../../../test/support/postgres.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { StoreHarness } from './store-contract.js';

/** One SQLite file in a fresh temp directory; every `open()` is another handle on it, as another process would open it. */
export async function sqliteHarness(prefix = 'licensor-contract-'): Promise<StoreHarness> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'licensor.db');
  return {
    open: () => new SqliteStore(path),
    async exec(sql) {
      const db = new Database(path);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own on the test PostgreSQL server, under the suite-wide lock; dropped at cleanup. */
export async function postgresHarness(): Promise<StoreHarness> {
  const unlock = await lockPostgres();
  const schema = testSchema();
  return {
    open: () => new PostgresStore(schema.url),
    exec: (sql) => execInSchema(schema.name, sql),
    async cleanup() {
      try {
        await schema.drop();
      } finally {
        unlock();
      }
    },
  };
}
