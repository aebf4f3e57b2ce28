import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { takeTestLock } from './test-lock.js';

/** The PostgreSQL server tests use (scripts/test.mjs sets it when 127.0.0.1:5432 answers), or null: skip. */
export const TEST_POSTGRES_URL = process.env.LICENSOR_TEST_POSTGRES_URL ?? null;

/** Why PostgreSQL tests are skipped, for node:test's `skip` option (false when they run). */
export const SKIP_POSTGRES: string | false = TEST_POSTGRES_URL
  ? false
  : 'no PostgreSQL server (set LICENSOR_TEST_POSTGRES_URL or start one at 127.0.0.1:5432)';

/** A schema of its own for one test run: `url` selects it (`?schema=`), `drop()` removes it and everything in it. */
export interface TestSchema {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Makes a fresh schema name `licensor_test_<pid>_<random>` on the test server (created by the store's migrate). */
export function testSchema(): TestSchema {
  if (!TEST_POSTGRES_URL) throw new Error('LICENSOR_TEST_POSTGRES_URL is not set');
  const name = `licensor_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const u = new URL(TEST_POSTGRES_URL);
  u.searchParams.set('schema', name);
  return {
    name,
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs SQL in a schema (tests that must reach under the store's interface, e.g. to try an UPDATE on the audit log). */
export async function execInSchema(schema: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_POSTGRES_URL ?? '', options: `-c search_path=${schema}` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Holds the machine-wide PostgreSQL test lock until the returned function is called. The scale-out test restarts the
 * server, so test files that use PostgreSQL take turns (node:test runs files side by side).
 */
export function lockPostgres(timeoutMs = 600_000): Promise<() => void> {
  return takeTestLock('licensor-test-postgres.lock', timeoutMs);
}
