import type Database from 'better-sqlite3';

/**
 * The one way into a SQLite connection. better-sqlite3 is synchronous and one connection serves the whole process, so
 * a transaction that awaits (billing) would otherwise let any other write run inside it, nested as a SAVEPOINT: its
 * rollback would then take acknowledged hot-path leases with it. Every statement of the store passes this gate: while
 * it is free, synchronous work runs at once (the hot path pays one check); while an asynchronous transaction holds
 * it, work queues in arrival order and runs after the COMMIT or ROLLBACK.
 */
export class SqliteGate {
  constructor(
    private readonly db: Database.Database,
    private readonly lane: GateLane = new GateLane(),
  ) {}

  /** Runs synchronous `fn` on the connection: now when the gate is free, else in turn after what holds it. */
  run<T>(fn: (db: Database.Database) => T): Promise<T> {
    if (this.lane.free && this.lane.broken === null) {
      try {
        return Promise.resolve(fn(this.db));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return this.lane.acquire().then(() => {
      try {
        if (this.lane.broken !== null) throw this.lane.broken;
        return fn(this.db);
      } finally {
        this.lane.release();
      }
    });
  }

  /**
   * Why a statement may not queue: the connection was left in an unknown state. (A statement queued from inside a
   * transaction of the same file would wait for it forever: transactions use their own statements. Detecting it
   * would take an AsyncLocalStorage, whose async hooks cost every promise of the process on Node 20.)
   */
  private refusal(): Error | null {
    return this.lane.broken;
  }

  /**
   * Runs `fn` in one transaction that may await: BEGIN IMMEDIATE for writes (two processes on one file serialize),
   * DEFERRED for reads; a throw rolls back. Nothing else touches the connection until it has ended.
   */
  async transaction<T>(write: boolean, fn: (db: Database.Database) => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) throw refused;
    await this.lane.acquire();
    try {
      if (this.lane.broken !== null) throw this.lane.broken;
      this.db.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN DEFERRED');
      try {
        const result = await fn(this.db);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        this.rollBack();
        throw err;
      }
    } finally {
      this.lane.release();
    }
  }

  /** Rolls back; a connection that cannot roll back is never used again (later work would nest in its transaction). */
  private rollBack(): void {
    if (!this.db.inTransaction) return;
    try {
      this.db.exec('ROLLBACK');
    } catch (err) {
      this.lane.broken = new Error(`the database connection could not roll back and is out of service: ${String(err)}`);
    }
  }
}

/**
 * The queue of one database file in this process. Every handle on the file shares it: a handle whose BEGIN IMMEDIATE
 * met another handle's open transaction would otherwise wait out the busy timeout on the thread that transaction
 * needs in order to finish.
 */
export class GateLane {
  private held = false;
  /** Set when a transaction could not be rolled back: every later statement is refused until the store reopens. */
  broken: Error | null = null;
  private readonly waiting: (() => void)[] = [];

  /** True when nothing holds the lane and nothing waits for it. */
  get free(): boolean {
    return !this.held && !this.waiting.length;
  }

  /** Resolves once the lane is this caller's. */
  acquire(): Promise<void> {
    if (!this.held && !this.waiting.length) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the lane to the next in line (it stays held), or frees it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

const lanes = new Map<string, { lane: GateLane; handles: number }>();

/** The lane of a database file, shared by every handle on it in this process; give it back with `releaseLane`. */
export function laneOf(path: string): GateLane {
  if (path === ':memory:') return new GateLane();
  const entry = lanes.get(path) ?? { lane: new GateLane(), handles: 0 };
  entry.handles++;
  lanes.set(path, entry);
  return entry.lane;
}

/** Gives back a handle's share of its file's lane. */
export function releaseLane(path: string): void {
  const entry = lanes.get(path);
  if (entry && --entry.handles === 0) lanes.delete(path);
}
