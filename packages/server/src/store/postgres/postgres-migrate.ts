import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import { appliedVersions, MIGRATIONS, migrationStatements, versionsTable } from '../sql/migrations.js';
import { POSTGRES } from '../sql/sql-dialect.js';
import type { LockKeys } from './postgres-writes.js';

/** Applies every pending version of the one migration list to a schema, each once, whichever processes start together. */
export async function migrateSchema(pool: pg.Pool, schema: string, keys: LockKeys): Promise<void> {
  const c = await pool.connect();
  try {
    // Session-level lock: held across the migrations' own transactions; another process starting now waits here and
    // then finds every version applied.
    await c.query('SELECT pg_advisory_lock($1, 0)', [keys.migrate]);
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      const run = (q: CompiledQuery) => c.query(q.sql, q.parameters as unknown[]);
      await run(versionsTable(POSTGRES));
      const applied = new Set((await run(appliedVersions(POSTGRES))).rows.map((r) => r.version as number));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await c.query('BEGIN');
        try {
          for (const q of migrationStatements(POSTGRES, m, Date.now())) await run(q);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, 0)', [keys.migrate]).catch(() => undefined);
    }
  } finally {
    c.release();
  }
}
