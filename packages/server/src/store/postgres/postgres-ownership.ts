import pg from 'pg';
import type { PoolOwnerRecord, PoolOwnershipLocks } from '../pool-ownership-locks.js';
import type { Row } from '../store-rows.js';
import { clientConfig, type PostgresTarget } from './postgres-connection.js';

/**
 * Pool locks as PostgreSQL session-level advisory locks on one dedicated connection: they live exactly as long as
 * that connection, so a process that dies (SIGKILL, a crash, a lost network) frees its pools as soon as PostgreSQL
 * sees the connection go. The epoch row is what makes that safe: taking a pool waits for the commits fenced by the
 * previous epoch (they hold the pool's fence lock shared) and then raises it, so those still in flight fail.
 */
export class PostgresOwnership implements PoolOwnershipLocks {
  private conn: Promise<pg.Client> | null = null;
  private closed = false;
  /** Uses of the lock connection, one at a time: a take's BEGIN … COMMIT must not interleave with another's. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly target: PostgresTarget,
    /** First key of every pool lock (the second is the module id). */
    private readonly lockKey: number,
    /** First key of the fence locks (see the commit function). */
    private readonly fenceKey: number,
    /** Reads that need no lock go through the store's pool. */
    private readonly pool: pg.Pool,
    private readonly onLost: () => void,
  ) {}

  tryTake(moduleId: number, ownerId: string, ownerUrl: string, at: number): Promise<number | null> {
    return this.inTurn((c) => this.take(c, moduleId, ownerId, ownerUrl, at));
  }

  private async take(c: pg.Client, moduleId: number, ownerId: string, ownerUrl: string, at: number) {
    const got = await c.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [this.lockKey, moduleId]);
    if (!(got.rows[0] as { ok: boolean }).ok) return null;
    try {
      // The fence lock, exclusive: waits for the commits still fenced by the old epoch (they hold it shared), and
      // makes the ones after it see the new epoch.
      await c.query('BEGIN');
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', [this.fenceKey, moduleId]);
      const r = await c.query(
        `INSERT INTO pool_owners AS p (module_id, epoch, owner_id, owner_url, taken_at) VALUES ($1, 1, $2, $3, $4)
         ON CONFLICT (module_id) DO UPDATE SET epoch = p.epoch + 1, owner_id = excluded.owner_id,
         owner_url = excluded.owner_url, taken_at = excluded.taken_at
         RETURNING epoch`,
        [moduleId, ownerId, ownerUrl, at],
      );
      await c.query('COMMIT');
      return (r.rows[0] as { epoch: number }).epoch;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.query('SELECT pg_advisory_unlock($1, $2)', [this.lockKey, moduleId]).catch(() => undefined);
      throw err;
    }
  }

  async release(moduleId: number): Promise<void> {
    await this.inTurn((c) => c.query('SELECT pg_advisory_unlock($1, $2)', [this.lockKey, moduleId]));
  }

  async owner(moduleId: number): Promise<PoolOwnerRecord | null> {
    const r = await this.pool.query('SELECT * FROM pool_owners WHERE module_id = $1', [moduleId]);
    const row = r.rows[0] as Row | undefined;
    if (!row) return null;
    return {
      moduleId,
      epoch: row.epoch as number,
      ownerId: row.owner_id as string,
      ownerUrl: row.owner_url as string,
    };
  }

  async announce(ownerId: string, ownerUrl: string): Promise<void> {
    await this.inTurn((c) => c.query('UPDATE pool_owners SET owner_url = $2 WHERE owner_id = $1', [ownerId, ownerUrl]));
  }

  /** Runs `fn` on the lock connection after every use queued before it has ended. */
  private inTurn<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const run = this.turn.then(async () => fn(await this.client()));
    this.turn = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.then((c) => c.end()).catch(() => undefined);
  }

  /** The lock connection, opened on first use and again after it was lost (its locks went with it). */
  private client(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the pool-ownership connection is closed'));
    if (this.conn) return this.conn;
    // query_timeout: a lock connection whose server vanished without closing it must not hold every take forever.
    const c = new pg.Client({
      ...clientConfig(this.target),
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      statement_timeout: 15_000,
      query_timeout: 20_000,
    } as pg.ClientConfig);
    let lost = false;
    const drop = () => {
      if (lost) return;
      lost = true;
      if (this.conn === opened) this.conn = null;
      c.end().catch(() => undefined);
      if (!this.closed) this.onLost();
    };
    c.on('error', drop);
    c.on('end', drop);
    const opened: Promise<pg.Client> = c
      .connect()
      // A partitioned owner must not keep its pools for the OS default of two hours: PostgreSQL probes the idle
      // connection and drops it (and the locks) within about 11 s.
      .then(() => c.query('SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3'))
      .then(() => c)
      .catch((err: unknown) => {
        if (this.conn === opened) this.conn = null;
        c.end().catch(() => undefined);
        throw err;
      });
    this.conn = opened;
    return opened;
  }
}
