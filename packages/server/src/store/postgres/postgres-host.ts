import type pg from 'pg';
import type { LockKeys } from './postgres-writes.js';

/** What the PostgreSQL store lends the cold stores (via PostgresSqlHost): the pool, lock keys, write transactions. */
export interface PostgresHost {
  pool: pg.Pool;
  keys: LockKeys;
  /** One write transaction; seqs passed to `mark` are events this process wrote (its followers skip them). */
  write<T>(fn: (c: pg.PoolClient, mark: (seqs: number[]) => void) => Promise<T>): Promise<T>;
}
