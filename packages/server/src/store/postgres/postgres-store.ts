import type pg from 'pg';
import type { SharedPoolStore } from '../shared-pool-store.js';
import type { CommitBatch, PoolSnapshot, StoredEvent, Store } from '../store.js';
import { EventFollower } from './event-follower.js';
import { createPool, parsePostgresUrl, type PostgresTarget } from './postgres-connection.js';
import { migrateSchema } from './postgres-migrate.js';
import { SqlStoreBase } from '../sql/sql-store-base.js';
import { LocalSeqs } from './local-seqs.js';
import { PostgresSqlHost } from './postgres-sql-host.js';
import { type Row, toLease, toMember, toQuota } from '../store-rows.js';
import { type LockKeys, lockKeys, writeSql } from './postgres-writes.js';
import { FENCE_FAILED } from './write-pools-function.js';
import { PostgresOwnership } from './postgres-ownership.js';
import { OwnershipLostError, type PoolOwnershipLocks } from '../pool-ownership-locks.js';
import { withClient } from './postgres-transaction.js';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * The scale-out store: any number of Licensor processes on one PostgreSQL database. Each pool is owned by one process
 * at a time (an advisory lock on its own connection, see PostgresOwnership), which decides in memory and commits with
 * a fence; cursor tables are appended under one feed lock so their seq order is their commit order; followers in
 * every process hear commits through LISTEN/NOTIFY.
 */
export class PostgresStore extends SqlStoreBase implements Store, SharedPoolStore {
  readonly kind = 'postgres' as const;
  readonly shared: SharedPoolStore = this;
  /** A commit costs a round trip and a flush to disk: as many operations as queued meanwhile ride on it. */
  readonly commitGroupSize = 256;
  readonly target: PostgresTarget;
  private readonly pool: pg.Pool;
  private readonly keys: LockKeys;
  private readonly seqs: LocalSeqs;
  private readonly followers = new Set<EventFollower>();

  constructor(url: string, options: PostgresStoreOptions = {}) {
    const target = parsePostgresUrl(url);
    const keys = lockKeys(target.schema);
    const pool = createPool(target, options.poolSize ?? 10);
    const seqs = new LocalSeqs();
    super(new PostgresSqlHost({ pool, keys, write: (fn) => seqs.writing(pool, fn) }));
    this.target = target;
    this.keys = keys;
    this.pool = pool;
    this.seqs = seqs;
  }

  /** The schema this store's tables live in. */
  get schema(): string {
    return this.target.schema;
  }

  async migrate(): Promise<void> {
    await migrateSchema(this.pool, this.target.schema, this.keys);
  }

  /** Applied migration versions, oldest first (tests and diagnostics). */
  async appliedMigrations(): Promise<number[]> {
    const r = await this.pool.query('SELECT version FROM schema_migrations ORDER BY version');
    return (r.rows as Row[]).map((x) => x.version as number);
  }

  async loadPools(): Promise<PoolSnapshot> {
    const [l, m, q] = await Promise.all([
      this.pool.query('SELECT * FROM leases'),
      this.pool.query('SELECT * FROM members ORDER BY module_id, first_connected_at, seq'),
      this.pool.query('SELECT * FROM quotas'),
    ]);
    return {
      leases: (l.rows as Row[]).map(toLease),
      members: (m.rows as Row[]).map(toMember),
      quotas: (q.rows as Row[]).map(toQuota),
    };
  }

  openOwnership(onLost: () => void): PoolOwnershipLocks {
    return new PostgresOwnership(this.target, this.keys.pools, this.keys.fence, this.pool, onLost);
  }

  /**
   * One round trip: BEGIN, the writes with the fence (when a batch carries one) and COMMIT as one text (see writeSql).
   * The fence holds the pools' fence locks shared until commit, so a process taking one of those pools waits for this
   * commit and reads what it wrote.
   */
  async commit(batches: CommitBatch[]): Promise<number[][]> {
    return this.seqs.track(
      withClient(this.pool, async (c, rollback) => {
        const marked: number[] = [];
        try {
          const { sql, seqsResult } = writeSql(this.keys, batches);
          const written = (await c.query(`BEGIN;\n${sql}`)) as unknown as pg.QueryResult[];
          const row = written[seqsResult + 1]?.rows[0] as { seqs: (string | number)[] | null } | undefined;
          const seqs = (row?.seqs ?? []).map(Number);
          // Marked once COMMIT returned; the follower waits for transactions in flight before it sorts what it read.
          marked.push(...seqs);
          this.seqs.mark(seqs);
          if (seqs.length) for (const f of this.followers) f.advance();
          let i = 0;
          return batches.map((b) => b.events.map(() => seqs[i++] as number));
        } catch (err) {
          this.seqs.unmark(marked);
          await rollback();
          if ((err as { code?: string }).code === FENCE_FAILED)
            throw new OwnershipLostError(
              'another process took a pool this commit changes, or installed another license; nothing was written',
            );
          throw err;
        }
      }),
    );
  }

  async headSeq(): Promise<number> {
    return ((await this.pool.query('SELECT COALESCE(MAX(seq), 0) AS s FROM events')).rows[0] as { s: number }).s;
  }

  follow(afterSeq: number, deliver: (events: StoredEvent[]) => Promise<void> | void): () => Promise<void> {
    const follower = new EventFollower(
      {
        target: this.target,
        channel: this.keys.channel,
        read: async (after, limit) => {
          const events = await this.listEvents({ after, limit });
          // A transaction of ours that committed before this read may not have marked its events yet: let it finish.
          if (events.length) await this.seqs.settle();
          return events;
        },
        takeLocal: (seq) => this.seqs.take(seq),
        writer: this.keys.writer,
        advanceLocal: (cursor) => this.seqs.advance(cursor),
      },
      afterSeq,
      deliver,
    );
    this.followers.add(follower);
    this.seqs.followers = this.followers.size;
    return async () => {
      this.followers.delete(follower);
      this.seqs.followers = this.followers.size;
      await follower.stop();
      if (!this.followers.size) this.seqs.clear();
    };
  }

  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 1500);
    });
    try {
      return await Promise.race([
        this.pool.query('SELECT 1').then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.followers].map((f) => f.stop()));
    this.followers.clear();
    this.seqs.followers = 0;
    await this.pool.end().catch(() => undefined);
  }
}
