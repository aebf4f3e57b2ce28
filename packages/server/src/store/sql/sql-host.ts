import type { Compilable, CompiledQuery } from 'kysely';
import type { NewAuditRecord, NewEvent } from '../store.js';
import type { SqlDialect } from './sql-dialect.js';

/** Advisory locks a PostgreSQL transaction can take (SQLite's one writer at a time makes them no-ops there). */
export type SqlLock = 'billing' | 'webhook-enqueue';

/** Statements on one connection: inside a transaction when handed out by `write` or `snapshot`. */
export interface SqlTx {
  readonly d: SqlDialect;
  /** Every row of a query. */
  all<R>(q: Compilable<R>): Promise<R[]>;
  /** The first row, or undefined. */
  first<R>(q: Compilable<R>): Promise<R | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(q: Compilable<unknown>): Promise<number>;
  /**
   * PostgreSQL: takes the feed lock (once per transaction, until COMMIT), so a cursor table appended to afterwards
   * (events, audit, ledger: seq = max + 1) has seq order = commit order, and followers are woken at COMMIT.
   * SQLite: nothing (the transaction is the only writer).
   */
  feedLock(): Promise<void>;
  /** PostgreSQL: a transaction-scoped advisory lock of this schema; SQLite: nothing. */
  lock(name: SqlLock): Promise<void>;
  /** Appends an event through the store's tuned feed writer (feed lock included); returns its seq. */
  insertEvent(e: NewEvent): Promise<number>;
  /** Appends an audit entry through the store's tuned writer (feed lock included); returns its seq. */
  insertAudit(a: NewAuditRecord): Promise<number>;
}

/** A statement compiled once (see SqlHost.prepare): each run binds new values to its parameters, in their order. */
export interface SqlStatement<R> {
  /** The first row the statement returns with these parameters, or undefined. */
  first(params: readonly unknown[]): Promise<R | undefined>;
}

/** How a store lends its connection to the cold stores written once over both dialects. */
export interface SqlHost {
  readonly d: SqlDialect;
  /** One write transaction; a throw rolls it back. SQLite: nothing else touches the file meanwhile. */
  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** One read-only transaction on a consistent snapshot. */
  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Single statements outside a transaction (each sees the latest commit; on SQLite each passes the gate alone). */
  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /**
   * A statement for the request path: compiled by the caller once, prepared by the database once, each run one
   * execution outside any transaction (SQLite: synchronous while the gate is free).
   */
  prepare<R>(q: CompiledQuery<R>): SqlStatement<R>;
}
