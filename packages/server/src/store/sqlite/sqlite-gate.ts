import type Database from 'better-sqlite3';

/**
 * The one way into a SQLite connection. better-sqlite3 is synchronous and one connection serves the whole process, so
 * a transaction that awaits (billing) would otherwise let any other write run inside it, nested as a SAVEPOINT: its
 * rollback would then take acknowledged hot-path leases with it. Every statement of the store passes this gate: while
 * it is free, synchronous work runs at once (the hot path pays one check); while an asynchronous transaction holds
 * it, work queues in arrival order and runs after the COMMIT or ROLLBACK.
 */
export class SqliteGate {
  private held = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly db: Database.Database) {}

  /** Runs synchronous `fn` on the connection: now when the gate is free, else in turn after what holds it. */
  run<T>(fn: (db: Database.Database) => T): Promise<T> {
    if (!this.held && !this.waiting.length) {
      try {
        return Promise.resolve(fn(this.db));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.acquire().then(() => {
      try {
        return fn(this.db);
      } finally {
        this.release();
      }
    });
  }

  /**
   * Runs `fn` in one transaction that may await: BEGIN IMMEDIATE for writes (two processes on one file serialize),
   * DEFERRED for reads; a throw rolls back. Nothing else touches the connection until it has ended.
   */
  async transaction<T>(write: boolean, fn: (db: Database.Database) => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      this.db.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED');
      try {
        const result = await fn(this.db);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (!this.held && !this.waiting.length) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the gate to the next in line (it stays held), or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}
