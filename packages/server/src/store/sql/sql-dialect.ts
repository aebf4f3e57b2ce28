import {
  type ColumnDataType,
  type CreateTableBuilder,
  type RawBuilder,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely';
import type { StoreSchema } from './sql-schema.js';

/** The two databases a store runs on. */
export type DialectName = 'sqlite' | 'postgres';

/**
 * Everything that differs between the two dialects, in one place: the query compiler, the 64-bit integer type, how
 * a sequence column counts, how a table keeps insertion order, and the append-only guard. The stores and the
 * migration list are written once against it.
 */
export interface SqlDialect {
  readonly name: DialectName;
  /** A builder that only compiles (the stores run the SQL on their own connections, in their own transactions). */
  readonly k: Kysely<StoreSchema>;
  /** Epoch milliseconds and minor units: BIGINT on PostgreSQL; INTEGER (64-bit anyway) on SQLite. */
  readonly int64: ColumnDataType;
  /**
   * A cursor column whose writer gives max + 1 under the feed lock (PostgreSQL: commit order is seq order), or the
   * rowid (SQLite: one writer at a time); `autoIncrement` keeps SQLite from reusing the number of a deleted last row.
   */
  cursorColumn<T extends string>(
    t: CreateTableBuilder<T>,
    column: string,
    autoIncrement: boolean,
  ): CreateTableBuilder<T>;
  /** A counter the database gives on insert (BIGSERIAL, or SQLite's AUTOINCREMENT rowid). */
  serialColumn<T extends string>(t: CreateTableBuilder<T>, column: string): CreateTableBuilder<T>;
  /** A table whose rows live in its primary key (SQLite WITHOUT ROWID; PostgreSQL has no such choice). */
  keyed<T extends string>(t: CreateTableBuilder<T>): CreateTableBuilder<T>;
  /** Statements that make a table refuse UPDATE and DELETE, naming it `what` in the error. */
  appendOnly(table: string, what: string): RawBuilder<unknown>[];
  /** The value of a cursor column on insert: max + 1 (PostgreSQL, the feed lock held), or none (SQLite's rowid). */
  nextCursor(table: 'ledger'): { seq: RawBuilder<number> } | Record<string, never>;
  /** The column that orders webhooks created in the same millisecond (SQLite's rowid; a BIGSERIAL `ord`). */
  readonly insertionOrder: 'rowid' | 'ord';
}

function compileOnly(name: DialectName): Kysely<StoreSchema> {
  const pg = name === 'postgres';
  return new Kysely<StoreSchema>({
    dialect: {
      createAdapter: () => (pg ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (pg ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (pg ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}

/** SQLite's side of the differences. */
export const SQLITE: SqlDialect = {
  name: 'sqlite',
  k: compileOnly('sqlite'),
  int64: 'integer',
  cursorColumn: (t, column, autoIncrement) =>
    t.addColumn(column, 'integer', (c) => (autoIncrement ? c.primaryKey().autoIncrement() : c.primaryKey())),
  serialColumn: (t, column) => t.addColumn(column, 'integer', (c) => c.primaryKey().autoIncrement()),
  keyed: (t) => t.modifyEnd(sql`without rowid`),
  appendOnly: (table, what) =>
    ['update', 'delete'].map((op) =>
      sql.raw(
        `CREATE TRIGGER ${table}_no_${op} BEFORE ${op.toUpperCase()} ON ${table} BEGIN SELECT RAISE(ABORT, 'the ${what} is append-only'); END`,
      ),
    ),
  nextCursor: () => ({}),
  insertionOrder: 'rowid',
};

/** PostgreSQL's side of the differences. */
export const POSTGRES: SqlDialect = {
  name: 'postgres',
  k: compileOnly('postgres'),
  int64: 'bigint',
  cursorColumn: (t, column) => t.addColumn(column, 'bigint', (c) => c.primaryKey()),
  serialColumn: (t, column) => t.addColumn(column, 'bigserial', (c) => c.primaryKey()),
  keyed: (t) => t,
  appendOnly: (table, what) => [
    sql.raw(`CREATE OR REPLACE FUNCTION licensor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the % is append-only', TG_ARGV[0]; END $$`),
    sql.raw(
      `CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION licensor_append_only('${what}')`,
    ),
  ],
  nextCursor: (table) => ({ seq: sql<number>`(SELECT COALESCE(MAX(seq), 0) + 1 FROM ${sql.table(table)})` }),
  insertionOrder: 'ord',
};
