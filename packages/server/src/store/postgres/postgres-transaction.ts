import type pg from 'pg';

/**
 * Checks a client out of the pool for `fn` and gives it back afterwards. `fn` gets a `rollback` that never throws. A
 * client that failed (an 'error' event, or a ROLLBACK that could not be sent) is destroyed rather than returned to the
 * pool, so the next request gets a fresh one.
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient, rollback: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client whose server goes away emits 'error' besides failing its query: without a listener that
  // would end the process. The failed query is what the caller sees; the client is destroyed on release.
  const onError = (err: Error) => {
    broken = err;
  };
  c.on('error', onError);
  const rollback = () =>
    c.query('ROLLBACK').then(
      () => undefined,
      (e: Error) => {
        broken = e;
      },
    );
  try {
    return await fn(c, rollback);
  } finally {
    c.off('error', onError);
    c.release(broken);
  }
}

/** Runs `fn` in one transaction on a pooled connection; a throw rolls back. */
export function transaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (c, rollback) => {
    try {
      await c.query('BEGIN');
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await rollback();
      throw err;
    }
  });
}
