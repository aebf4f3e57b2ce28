import type pg from 'pg';
import type { SharedPoolStore } from '../shared-pool-store.js';
import type {
  AuditRecord,
  CommitBatch,
  IdempotencyRecord,
  NewAuditRecord,
  NewEvent,
  PoolSnapshot,
  PruneEventsQuery,
  PruneEventsStep,
  StoredEvent,
  Store,
  TokenRecord,
} from '../store.js';
import { EventFollower } from './event-follower.js';
import { createPool, parsePostgresUrl, type PostgresTarget } from './postgres-connection.js';
import { migrateSchema } from './postgres-migrate.js';
import { SqlBillingStore } from '../sql/sql-billing-store.js';
import { PostgresSqlHost } from './postgres-sql-host.js';
import { SqlHierarchyStore } from '../sql/sql-hierarchy-store.js';
import type { PostgresHost } from './postgres-host.js';
import { SqlUsageStore } from '../sql/sql-usage-store.js';
import { SqlWebhookStore } from '../sql/sql-webhook-store.js';
import { planPruneStep } from '../prune-step.js';
import { type Row, toAudit, toEvent, toIdempotency, toLease, toMember, toQuota, toToken } from '../store-rows.js';
import { insertAudit, insertEvents, type LockKeys, lockKeys, takeFeedLock, writeSql } from './postgres-writes.js';
import { transaction, withClient } from './postgres-transaction.js';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

/**
 * The scale-out store: any number of Licensor processes on one PostgreSQL database. Pool operations run on the
 * database's current state under a per-pool advisory lock (see SharedPoolStore); cursor tables are appended under one
 * feed lock so their seq order is their commit order; followers in every process hear commits through LISTEN/NOTIFY.
 */
export class PostgresStore implements Store, SharedPoolStore {
  readonly kind = 'postgres' as const;
  readonly shared: SharedPoolStore = this;
  readonly billing: SqlBillingStore;
  readonly hierarchy: SqlHierarchyStore;
  readonly usage: SqlUsageStore;
  readonly webhooks: SqlWebhookStore;
  readonly target: PostgresTarget;
  private readonly pool: pg.Pool;
  private readonly keys: LockKeys;
  /** Seqs this process committed while a follower runs: the follower skips them (their writers emitted them). */
  private readonly local = new Set<number>();
  private readonly followers = new Set<EventFollower>();
  /** This process's write transactions in flight (the follower lets them mark their events before it sorts). */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.target = parsePostgresUrl(url);
    this.keys = lockKeys(this.target.schema);
    this.pool = createPool(this.target, options.poolSize ?? 10);
    const host: PostgresHost = { pool: this.pool, keys: this.keys, write: (fn) => this.writing(fn) };

    const sqlHost = new PostgresSqlHost(host);
    this.billing = new SqlBillingStore(sqlHost);
    this.webhooks = new SqlWebhookStore(sqlHost);
    this.hierarchy = new SqlHierarchyStore(sqlHost);
    this.usage = new SqlUsageStore(sqlHost);
  }

  /** The schema this store's tables live in. */
  get schema(): string {
    return this.target.schema;
  }

  private markLocal(seqs: number[]): void {
    if (this.followers.size) for (const s of seqs) this.local.add(s);
  }

  /** Runs a transaction whose events are marked local before COMMIT; unmarks them if it fails (the seqs get reused). */
  private async writing<T>(fn: (c: pg.PoolClient, mark: (seqs: number[]) => void) => Promise<T>): Promise<T> {
    const marked: number[] = [];
    const running = transaction(this.pool, (c) =>
      fn(c, (seqs) => {
        marked.push(...seqs);
        this.markLocal(seqs);
      }),
    );
    this.inflight.add(running);
    try {
      return await running;
    } catch (err) {
      for (const s of marked) this.local.delete(s);
      throw err;
    } finally {
      this.inflight.delete(running);
    }
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

  async withPools(
    moduleIds: readonly number[],
    decide: (state: PoolSnapshot, licenseInstalledAt: number | null) => CommitBatch[],
  ): Promise<number[][]> {
    const ids = [...new Set(moduleIds)].filter((id) => Number.isInteger(id)).sort((a, b) => a - b);
    const running = this.poolTransaction(ids, decide);
    this.inflight.add(running);
    try {
      return await running;
    } finally {
      this.inflight.delete(running);
    }
  }

  /**
   * Two round trips: BEGIN, the pool locks (ascending) and the locked pools' rows in one; the writes and COMMIT in the
   * other (see writeSql). The rows are read after the locks, so they include everything the previous holder committed.
   */
  private async poolTransaction(
    ids: number[],
    decide: (state: PoolSnapshot, licenseInstalledAt: number | null) => CommitBatch[],
  ): Promise<number[][]> {
    return withClient(this.pool, async (c, rollback) => {
      const marked: number[] = [];
      try {
        let state: PoolSnapshot = { leases: [], members: [], quotas: [] };
        let license: pg.QueryResult | undefined;
        if (ids.length) {
          const list = ids.join(',');
          const results = (await c.query(
            `BEGIN;
           SELECT pg_advisory_xact_lock(${this.keys.pools}, m) FROM unnest('{${list}}'::int[]) AS m;
           SELECT * FROM leases WHERE module_id IN (${list});
           SELECT * FROM members WHERE module_id IN (${list}) ORDER BY module_id, first_connected_at, seq;
           SELECT * FROM quotas WHERE module_id IN (${list});
           SELECT installed_at FROM license WHERE slot = 1;`,
          )) as unknown as pg.QueryResult[];
          state = {
            leases: (results[2]?.rows as Row[]).map(toLease),
            members: (results[3]?.rows as Row[]).map(toMember),
            quotas: (results[4]?.rows as Row[]).map(toQuota),
          };
          license = results[5];
        } else {
          license = (
            (await c.query('BEGIN; SELECT installed_at FROM license WHERE slot = 1;')) as unknown as pg.QueryResult[]
          )[1];
        }
        const batches = decide(
          state,
          ((license?.rows[0] as Row | undefined)?.installed_at as number | undefined) ?? null,
        );
        const { sql, eventsResult } = writeSql(this.keys, batches);
        const written = await c.query(sql);
        const results = (Array.isArray(written) ? written : [written]) as pg.QueryResult[];
        const seqs =
          eventsResult < 0
            ? []
            : ((results[eventsResult]?.rows ?? []) as { seq: number }[]).map((r) => r.seq).sort((a, b) => a - b);
        // Marked once COMMIT returned; the follower waits for transactions in flight before it sorts what it read.
        marked.push(...seqs);
        this.markLocal(seqs);
        let i = 0;
        return batches.map((b) => b.events.map(() => seqs[i++] as number));
      } catch (err) {
        for (const s of marked) this.local.delete(s);
        await rollback();
        throw err;
      }
    });
  }

  async commit(batches: CommitBatch[]): Promise<number[][]> {
    return this.withPools([], () => batches);
  }

  async getLicense(): Promise<{ text: string; installedAt: number } | null> {
    const r = (await this.pool.query('SELECT text, installed_at FROM license WHERE slot = 1')).rows[0] as
      | Row
      | undefined;
    return r ? { text: r.text as string, installedAt: r.installed_at as number } : null;
  }

  async putLicense(text: string, at: number, event: NewEvent, audit?: NewAuditRecord): Promise<number> {
    return this.writing(async (c, mark) => {
      await c.query(
        'INSERT INTO license VALUES (1, $1, $2) ON CONFLICT (slot) DO UPDATE SET text = excluded.text, installed_at = excluded.installed_at',
        [text, at],
      );
      await takeFeedLock(c, this.keys);
      const [seq] = await insertEvents(c, [event]);
      if (audit) await insertAudit(c, [audit]);
      mark([seq as number]);
      return seq as number;
    });
  }

  async appendAudit(record: NewAuditRecord): Promise<number> {
    return transaction(this.pool, async (c) => {
      await takeFeedLock(c, this.keys);
      const [seq] = await insertAudit(c, [record]);
      return seq as number;
    });
  }

  async listAudit(q: { after: number; limit: number }): Promise<AuditRecord[]> {
    const r = await this.pool.query('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [q.after, q.limit]);
    return (r.rows as Row[]).map(toAudit);
  }

  async createToken(t: TokenRecord): Promise<void> {
    await this.pool.query('INSERT INTO tokens VALUES ($1, $2, $3, $4, $5, $6)', [
      t.id,
      t.name,
      t.role,
      t.hash,
      t.createdAt,
      t.revokedAt,
    ]);
  }

  async findTokenByHash(hash: string): Promise<TokenRecord | null> {
    const r = (await this.pool.query('SELECT * FROM tokens WHERE hash = $1', [hash])).rows[0] as Row | undefined;
    return r ? toToken(r) : null;
  }

  async listTokens(): Promise<TokenRecord[]> {
    return ((await this.pool.query('SELECT * FROM tokens ORDER BY created_at, id')).rows as Row[]).map(toToken);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    return (
      ((await this.pool.query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]))
        .rowCount ?? 0) > 0
    );
  }

  async listEvents(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]> {
    const where = ['seq > $1'];
    const args: unknown[] = [q.after];
    if (q.types?.length) {
      args.push(q.types);
      where.push(`type = ANY($${args.length}::text[])`);
    }
    if (q.moduleId !== undefined) {
      args.push(q.moduleId);
      where.push(`module_id = $${args.length}`);
    }
    args.push(q.limit);
    const r = await this.pool.query(
      `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${args.length}`,
      args,
    );
    return (r.rows as Row[]).map(toEvent);
  }

  async pruneEvents(q: PruneEventsQuery): Promise<PruneEventsStep> {
    // Writers give seq = max + 1 under the feed lock: keeping the newest row keeps the sequence growing.
    const r = await this.pool.query(
      'SELECT seq, at FROM events WHERE seq > $1 AND seq < (SELECT MAX(seq) FROM events) ORDER BY seq LIMIT $2',
      [q.afterSeq, q.limit],
    );
    const rows = (r.rows as { seq: string | number; at: string | number }[]).map((x) => ({
      seq: Number(x.seq),
      at: Number(x.at),
    }));
    const { step, range } = planPruneStep(rows, q);
    if (!range) return step;
    const del = await this.pool.query('DELETE FROM events WHERE seq >= $1 AND seq <= $2 AND at < $3', [
      range.first,
      range.last,
      q.before,
    ]);
    return { ...step, deleted: del.rowCount ?? 0 };
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
          if (events.length && this.inflight.size) await Promise.allSettled([...this.inflight]);
          return events;
        },
        takeLocal: (seq) => this.local.delete(seq),
      },
      afterSeq,
      deliver,
    );
    this.followers.add(follower);
    return async () => {
      this.followers.delete(follower);
      await follower.stop();
      if (!this.followers.size) this.local.clear();
    };
  }

  async getIdempotency(tokenId: string, key: string): Promise<IdempotencyRecord | null> {
    const r = (await this.pool.query('SELECT * FROM idempotency WHERE token_id = $1 AND key = $2', [tokenId, key]))
      .rows[0] as Row | undefined;
    return r ? toIdempotency(r) : null;
  }

  async getMeta(key: string): Promise<string | null> {
    const r = (await this.pool.query('SELECT value FROM meta WHERE key = $1', [key])).rows[0] as Row | undefined;
    return r ? (r.value as string) : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.pool.query('INSERT INTO meta VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
      key,
      value,
    ]);
  }
  async initMeta(key: string, value: string): Promise<string> {
    await this.pool.query('INSERT INTO meta VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
    return ((await this.pool.query('SELECT value FROM meta WHERE key = $1', [key])).rows[0] as Row).value as string;
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
    await this.pool.end().catch(() => undefined);
  }
}
