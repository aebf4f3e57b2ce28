// How the contract suites open each adapter: one SQLite file, or a PostgreSQL schema of its own dropped at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execInSchema, lockPostgres, testSchema } from '../../../../test/support/postgres.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { StoreHarness } from './store-contract.js';

/** A harness that can also build the database itself from SQL before any store opens it (an older release's). */
export interface CreatingHarness extends StoreHarness {
  create(sql: string): Promise<void>;
}

/** One SQLite file in a fresh temp directory; every `open()` is another handle on it, as another process would open it. */
export async function sqliteHarness(prefix = 'licensor-contract-'): Promise<CreatingHarness> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'licensor.db');
  const exec = async (sql: string) => {
    const db = new Database(path);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  return {
    open: () => new SqliteStore(path),
    exec,
    create: exec,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A schema of its own on the test PostgreSQL server, under the suite-wide lock; dropped at cleanup. */
export async function postgresHarness(): Promise<CreatingHarness> {
  const unlock = await lockPostgres();
  const schema = testSchema();
  return {
    open: () => new PostgresStore(schema.url),
    exec: (sql) => execInSchema(schema.name, sql),
    create: (sql) => execInSchema(schema.name, `CREATE SCHEMA "${schema.name}";\n${sql}`),
    async cleanup() {
      try {
        await schema.drop();
      } finally {
        unlock();
      }
    },
  };
}
