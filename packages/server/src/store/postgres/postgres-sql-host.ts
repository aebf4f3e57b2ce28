import type { Compilable, CompiledQuery } from 'kysely';
import type pg from 'pg';
import { POSTGRES } from '../sql/sql-dialect.js';
import type { SqlHost, SqlLock, SqlStatement, SqlTx } from '../sql/sql-host.js';
import type { PostgresHost } from './postgres-host.js';
import { withClient } from './postgres-transaction.js';
import { insertAudit, insertEvents, takeFeedLock } from './postgres-writes.js';

/** Second keys of the advisory locks the cold stores take (the first is the schema's feed or billing key). */
const LOCKS: Record<SqlLock, (keys: PostgresHost['keys']) => [number, number]> = {
  billing: (keys) => [keys.billing, 0],
  'webhook-enqueue': (keys) => [keys.feed, 1],
};

/** Statements prepared so far in this process (their names must differ per connection). */
let prepared = 0;

/** The cold stores' way into PostgreSQL: write transactions on the store's pool, their events marked as this process's. */
export class PostgresSqlHost implements SqlHost {
  readonly d = POSTGRES;

  constructor(private readonly host: PostgresHost) {}

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.host.write((c, mark) => fn(this.tx(c, mark)));
  }

  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return withClient(this.host.pool, async (c, rollback) => {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const result = await fn(this.tx(c, () => undefined));
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await rollback();
        throw err;
      }
    });
  }

  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return fn(this.tx(this.host.pool, () => undefined));
  }

  prepare<R>(q: CompiledQuery<R>): SqlStatement<R> {
    // A named statement: each pooled connection parses and plans it once, then only binds and executes it.
    const name = `licensor_${++prepared}`;
    return {
      first: async (params) =>
        (await this.host.pool.query({ name, text: q.sql, values: params as unknown[] })).rows[0] as R | undefined,
    };
  }

  private tx(c: pg.ClientBase | pg.Pool, mark: (seqs: number[]) => void): SqlTx {
    const query = async (q: Compilable<unknown>) => {
      const compiled = q.compile();
      return c.query(compiled.sql, compiled.parameters as unknown[]);
    };
    let locked = false;
    const feedLock = async () => {
      if (locked) return;
      locked = true;
      await takeFeedLock(c as pg.ClientBase, this.host.keys);
    };
    return {
      d: POSTGRES,
      all: async <R>(q: Compilable<R>) => (await query(q)).rows as R[],
      first: async <R>(q: Compilable<R>) => (await query(q)).rows[0] as R | undefined,
      run: async (q) => (await query(q)).rowCount ?? 0,
      feedLock,
      lock: async (name) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', LOCKS[name](this.host.keys));
      },
      insertEvent: async (e) => {
        await feedLock();
        const [seq] = await insertEvents(c as pg.ClientBase, [e]);
        mark([seq as number]);
        return seq as number;
      },
      insertAudit: async (a) => {
        await feedLock();
        const [seq] = await insertAudit(c as pg.ClientBase, [a]);
        return seq as number;
      },
    };
  }
}
