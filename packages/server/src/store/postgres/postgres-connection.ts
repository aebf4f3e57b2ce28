import { parse as parseConnectionString } from 'pg-connection-string';
import pg from 'pg';

/** Where a PostgreSQL store lives: the connection string pg understands, and the schema its tables go in. */
export interface PostgresTarget {
  connectionString: string;
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Splits `postgres://user@host:5432/db?schema=name` into pg's connection string and the schema (default `public`).
 * `schema` is ours, not libpq's, so it is removed before pg sees the URL.
 */
export function parsePostgresUrl(url: string): PostgresTarget {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema))
    throw new Error(`schema ${JSON.stringify(schema)} must be a lower-case SQL identifier`);
  u.searchParams.delete('schema');
  return { connectionString: u.toString(), schema };
}

/** BIGINT columns hold epoch milliseconds and sequence numbers, all below 2^53: read them as numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Which server, database and schema a store URL reaches, as pg will connect: `host`, `port` and `dbname` given as query
 * parameters override the URL's own, and a URL without a host takes pg's defaults (PGHOST, PGPORT). Names the store
 * for the hardware-key lock, so two URLs that read alike but reach different servers are two stores.
 */
export function storeLocation(url: string): string {
  const target = parsePostgresUrl(url);
  const p = parseConnectionString(target.connectionString);
  const host = (p.host || String(pg.defaults.host ?? 'localhost')).toLowerCase();
  const port = p.port || String(pg.defaults.port ?? 5432);
  // Spelled as earlier versions named it (a rolling upgrade runs both beside each other on one hardware-key lock).
  return `${host}:${port}${p.database ? `/${p.database}` : ''}?schema=${target.schema}`;
}

/** Options shared by the pool and the listening connection. */
export function clientConfig(target: PostgresTarget): pg.ClientConfig {
  return {
    connectionString: target.connectionString,
    types,
    // Fail fast when the server is gone: a request waits at most this long for a connection, then answers 503.
    connectionTimeoutMillis: 2000,
    // search_path per connection: every query names tables without a schema.
    options: `-c search_path=${target.schema}`,
    application_name: 'licensor',
  };
}

/** A connection pool that never crashes the process when an idle connection dies (a PostgreSQL restart). */
export function createPool(target: PostgresTarget, max: number): pg.Pool {
  // query_timeout bounds a query on a connection whose server vanished without closing it (a partition): the request
  // then fails with STORE_UNAVAILABLE instead of hanging; keepAlive lets the OS notice dead connections sooner.
  const pool = new pg.Pool({
    ...clientConfig(target),
    max,
    idleTimeoutMillis: 30_000,
    statement_timeout: 15_000,
    query_timeout: 10_000,
    keepAlive: true,
  } as pg.PoolConfig);
  pool.on('error', () => {
    // An idle client lost its connection; the pool drops it and the next query opens a fresh one.
  });
  return pool;
}
