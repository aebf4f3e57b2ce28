import type pg from 'pg';

/**
 * Runs `fn` in one transaction on a pooled connection; a throw rolls back. A connection that failed mid-transaction
 * is destroyed rather than returned to the pool, so the next request gets a fresh one.
 */
export async function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client whose server goes away emits 'error' besides failing its query: without a listener that
  // would end the process. The failed query is what the caller sees; the client is destroyed on release.
  const onError = (err: Error) => {
    broken = err;
  };
  c.on('error', onError);
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
    c.off('error', onError);
    c.release(broken);
  }
}
