import type Database from 'better-sqlite3';
import type { Compilable } from 'kysely';
import { SQLITE } from '../sql/sql-dialect.js';
import type { SqlHost, SqlTx } from '../sql/sql-host.js';
import { prepareFeedWrites } from './feed-writes.js';
import type { SqliteGate } from './sqlite-gate.js';

/** Prepared statements kept per file. */
const STATEMENT_CACHE = 256;

/**
 * The cold stores' way into a SQLite file: every call passes the file's gate, so no statement of theirs ever runs
 * inside another transaction, nor one of another inside theirs. Statements are prepared once per SQL text.
 */
export class SqliteSqlHost implements SqlHost {
  readonly d = SQLITE;
  private tx: SqlTx | undefined;

  constructor(private readonly gate: SqliteGate) {}

  write<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(true, (db) => fn(this.statements(db)));
  }

  snapshot<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(false, (db) => fn(this.statements(db)));
  }

  read<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T> {
    return this.gate.transaction(false, (db) => fn(this.statements(db)));
  }

  private statements(db: Database.Database): SqlTx {
    if (this.tx) return this.tx;
    const cache = new Map<string, Database.Statement>();
    const prepared = (q: Compilable<unknown>) => {
      const c = q.compile();
      let s = cache.get(c.sql);
      if (!s) {
        // Texts vary with the length of IN lists and multi-row inserts: keep the cache bounded.
        if (cache.size >= STATEMENT_CACHE) cache.clear();
        s = db.prepare(c.sql);
        cache.set(c.sql, s);
      }
      return { s, params: c.parameters as unknown[] };
    };
    const feed = prepareFeedWrites(db);
    const done = Promise.resolve();
    this.tx = {
      d: SQLITE,
      all: async <R>(q: Compilable<R>) => {
        const { s, params } = prepared(q);
        return s.all(...params) as R[];
      },
      first: async <R>(q: Compilable<R>) => {
        const { s, params } = prepared(q);
        return (s.reader ? s.get(...params) : undefined) as R | undefined;
      },
      run: async (q) => {
        const { s, params } = prepared(q);
        return s.reader ? s.all(...params).length : s.run(...params).changes;
      },
      feedLock: () => done,
      lock: () => done,
      insertEvent: async (e) => feed.insertEvent(e),
      insertAudit: async (a) => feed.insertAudit(a),
    };
    return this.tx;
  }
}
