import type Database from 'better-sqlite3';
import type { Compilable, CompiledQuery } from 'kysely';
import { SQLITE } from '../sql/sql-dialect.js';
import type { SqlHost, SqlStatement, SqlTx } from '../sql/sql-host.js';
import { prepareFeedWrites } from './feed-writes.js';
import type { SqliteGate } from './sqlite-gate.js';

/** Prepared statements kept per file. */
const STATEMENT_CACHE = 256;

/** Runs `fn` on the connection: directly (inside a transaction that holds the gate), or through the gate. */
type Passage = <T>(fn: (db: Database.Database) => T) => Promise<T>;

/**
 * The cold stores' way into a SQLite file: every call passes the file's gate, so no statement of theirs ever runs
 * inside another transaction, nor one of another inside theirs. Statements are prepared once per SQL text.
 */
export class SqliteSqlHost implements SqlHost {
  readonly d = SQLITE;
  private readonly cache = new Map<string, Database.Statement>();
  private feed: ReturnType<typeof prepareFeedWrites> | undefined;
  /** Statements of a transaction that holds the gate. */
  private readonly inside: SqlTx;
  /** Single statements, each through the gate (synchronous while it is free). */
  private readonly outside: SqlTx;

  constructor(
    private readonly gate: SqliteGate,
    private readonly db: Database.Database,
  ) {
    this.inside = this.statements(async (fn) => fn(this.db));
    this.outside = this.statements((fn) => this.gate.run(fn));
  }

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(true, () => fn(this.inside));
  }

  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(false, () => fn(this.inside));
  }

  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return fn(this.outside);
  }

  prepare<R>(q: CompiledQuery<R>): SqlStatement<R> {
    // Prepared on first use: the tables exist only once the store has migrated.
    let s: Database.Statement | undefined;
    return {
      first: (params) =>
        this.gate.run((db) => {
          s ??= db.prepare(q.sql);
          return s.get(...params) as R | undefined;
        }),
    };
  }

  private prepared(q: Compilable<unknown>): { s: Database.Statement; params: unknown[] } {
    const c = q.compile();
    let s = this.cache.get(c.sql);
    if (!s) {
      // Texts vary with the length of IN lists and multi-row inserts: keep the cache bounded.
      if (this.cache.size >= STATEMENT_CACHE) this.cache.clear();
      s = this.db.prepare(c.sql);
      this.cache.set(c.sql, s);
    }
    return { s, params: c.parameters as unknown[] };
  }

  private statements(pass: Passage): SqlTx {
    const done = Promise.resolve();
    const feed = () => {
      this.feed ??= prepareFeedWrites(this.db);
      return this.feed;
    };
    return {
      d: SQLITE,
      all: <R>(q: Compilable<R>) =>
        pass(() => {
          const { s, params } = this.prepared(q);
          return s.all(...params) as R[];
        }),
      first: <R>(q: Compilable<R>) =>
        pass(() => {
          const { s, params } = this.prepared(q);
          return (s.reader ? s.get(...params) : undefined) as R | undefined;
        }),
      run: (q) =>
        pass(() => {
          const { s, params } = this.prepared(q);
          return s.reader ? s.all(...params).length : s.run(...params).changes;
        }),
      feedLock: () => done,
      lock: () => done,
      insertEvent: (e) => pass(() => feed().insertEvent(e)),
      insertAudit: (a) => pass(() => feed().insertAudit(a)),
    };
  }
}
