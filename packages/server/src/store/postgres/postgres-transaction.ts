import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a pooled connection; a throw rolls back. A connection that failed mid-transaction
 * is destroyed rather than returned to the pool, so the next request gets a fresh one.
 */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    c.release(broken);
  }
}
