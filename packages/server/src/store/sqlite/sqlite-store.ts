import { chmodSync, closeSync, openSync } from 'node:fs';
import { makeDirectory } from '../make-directory.js';
import { dirname, resolve } from 'node:path';
import type { Change } from '@licensor/core';
import Database from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
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
import { planPruneStep } from '../prune-step.js';
import { type Row, toAudit, toEvent, toIdempotency, toLease, toMember, toQuota, toToken } from '../store-rows.js';
import { prepareFeedWrites } from './feed-writes.js';
import { appliedVersions, MIGRATIONS, migrationStatements, versionsTable } from '../sql/migrations.js';
import { SQLITE } from '../sql/sql-dialect.js';
import { SqlBillingStore } from '../sql/sql-billing-store.js';
import { SqliteSqlHost } from './sqlite-sql-host.js';
import { SqlHierarchyStore } from '../sql/sql-hierarchy-store.js';
import { SqlUsageStore } from '../sql/sql-usage-store.js';
import { SqlWebhookStore } from '../sql/sql-webhook-store.js';
import { laneOf, releaseLane, SqliteGate } from './sqlite-gate.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Logger } from '../../log/logger.js';

/** SQLite durability: NORMAL survives a process crash (SIGKILL); FULL also survives power loss. */
export type SqliteSynchronous = 'normal' | 'full';

/** The embedded store: one better-sqlite3 file in WAL mode, owned by one Licensor process. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly commitGroupSize: number;
  private readonly db: Database.Database;
  /** Every statement of this store and its parts passes it (see SqliteGate). */
  private readonly gate: SqliteGate;
  private readonly lanePath: string;
  private prepared: ReturnType<SqliteStore['prepare']> | undefined;
  readonly billing: SqlBillingStore;
  readonly hierarchy: SqlHierarchyStore;
  private checkpointer: WalCheckpointer | null = null;
  readonly usage: SqlUsageStore;
  readonly webhooks: SqlWebhookStore;

  constructor(path: string, synchronous: SqliteSynchronous = 'normal', log?: Logger) {
    if (path !== ':memory:') {
      // The store holds token hashes, the node key and webhook secrets: the directory and the database are the
      // service user's only. SQLite gives its -wal and -shm files the database file's mode.
      makeDirectory(dirname(path), 0o700);
      closeSync(openSync(path, 'a', 0o600));
      chmodSync(path, 0o600);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // With FULL every commit waits for an fsync: bigger groups pay for it; with NORMAL small groups answer sooner.
    this.commitGroupSize = synchronous === 'full' ? 256 : 32;
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // Checkpoints run on a timer instead of inside whichever commit crosses the WAL size: the hot tables rewrite the
    // same few pages all the time, so one checkpoint a second copies each page once instead of once per ~1,000 pages
    // of commits; and the bulk of it runs on a worker thread, so no acquire waits behind its fsyncs.
    if (path !== ':memory:') {
      this.db.pragma('wal_autocheckpoint = 0');
      // A burst can grow the WAL; when it starts over, the file is cut back to this size instead of keeping its peak.
      this.db.pragma('journal_size_limit = 67108864');
      this.checkpointer = new WalCheckpointer(this.db, path, synchronous === 'full' ? 'FULL' : 'NORMAL', log);
    }
    this.lanePath = path === ':memory:' ? path : resolve(path);
    this.gate = new SqliteGate(this.db, laneOf(this.lanePath));
    const host = new SqliteSqlHost(this.gate);
    this.billing = new SqlBillingStore(host);
    this.webhooks = new SqlWebhookStore(host);
    this.hierarchy = new SqlHierarchyStore(host);
    this.usage = new SqlUsageStore(host);
  }

  private get s(): ReturnType<SqliteStore['prepare']> {
    this.prepared ??= this.prepare();
    return this.prepared;
  }

  private prepare() {
    const db = this.db;
    return {
      leasePut: db.prepare(
        `INSERT INTO leases VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (module_id, holder_id) DO UPDATE SET lease_id = excluded.lease_id, session_id = excluded.session_id,
         acquired_at = excluded.acquired_at, last_heartbeat_at = excluded.last_heartbeat_at,
         last_activity_at = excluded.last_activity_at, expires_at = excluded.expires_at`,
      ),
      leaseDelete: db.prepare('DELETE FROM leases WHERE module_id = ? AND holder_id = ?'),
      memberPut: db.prepare(
        `INSERT INTO members (module_id, member_id, seq, first_connected_at, last_seen_at, state, features, blocked_reason, missing_features)
         VALUES (@moduleId, @memberId, @seq, @firstConnectedAt, @lastSeenAt, @state, @features, @blockedReason, @missingFeatures)
         ON CONFLICT (module_id, member_id) DO UPDATE SET seq = excluded.seq, first_connected_at = excluded.first_connected_at,
         last_seen_at = excluded.last_seen_at, state = excluded.state, features = excluded.features,
         blocked_reason = excluded.blocked_reason, missing_features = excluded.missing_features`,
      ),
      memberDelete: db.prepare('DELETE FROM members WHERE module_id = ? AND member_id = ?'),
      quotaPut: db.prepare(
        `INSERT INTO quotas VALUES (@moduleId, @count, @reportedAt, @state)
         ON CONFLICT (module_id) DO UPDATE SET count = excluded.count, reported_at = excluded.reported_at, state = excluded.state`,
      ),
      idemPut: db.prepare('INSERT OR IGNORE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)'),
      ...prepareFeedWrites(db),
    };
  }

  async migrate(): Promise<void> {
    return this.gate.run(() => this.migrateNow());
  }

  private migrateNow(): void {
    const run = (q: CompiledQuery) => this.db.prepare(q.sql).run(...(q.parameters as unknown[]));
    run(versionsTable(SQLITE));
    const q = appliedVersions(SQLITE);
    const applied = new Set((this.db.prepare(q.sql).all() as { version: number }[]).map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => migrationStatements(SQLITE, m, Date.now()).forEach(run)).immediate();
    }
  }

  async loadPools(): Promise<PoolSnapshot> {
    return this.gate.run(() => this.loadPoolsNow());
  }

  private loadPoolsNow(): PoolSnapshot {
    const leases = (this.db.prepare('SELECT * FROM leases').all() as Row[]).map(toLease);
    const members = (
      this.db.prepare('SELECT * FROM members ORDER BY module_id, first_connected_at, seq').all() as Row[]
    ).map(toMember);
    const quotas = (this.db.prepare('SELECT * FROM quotas').all() as Row[]).map(toQuota);
    return { leases, members, quotas };
  }

  /** The whole group in one transaction (group commit: one fsync for many operations); at once while the gate is free. */
  commit(batches: CommitBatch[]): Promise<number[][]> {
    this.commitTx ??= this.db.transaction((group: CommitBatch[]) => group.map((b) => this.writeBatch(b)));
    const tx = this.commitTx;
    return this.gate.run(() => tx(batches));
  }

  private commitTx: ((group: CommitBatch[]) => number[][]) | undefined;

  private writeBatch(b: CommitBatch): number[] {
    const s = this.s;
    for (const c of b.changes) this.applyChange(c);
    for (const r of b.idempotency) s.idemPut.run(r.tokenId, r.key, r.fingerprint, r.status, r.body, r.createdAt);
    for (const a of b.audit) s.insertAudit(a);
    const seqs: number[] = [];
    for (const e of b.events) seqs.push(s.insertEvent(e));
    return seqs;
  }

  private applyChange(c: Change): void {
    const s = this.s;
    switch (c.kind) {
      case 'lease.put': {
        // Positional binding: measurably cheaper than named parameters on the hot path.
        const l = c.lease;
        s.leasePut.run(
          l.moduleId,
          l.holderId,
          l.leaseId,
          l.sessionId,
          l.acquiredAt,
          l.lastHeartbeatAt,
          l.lastActivityAt,
          l.expiresAt,
        );
        return;
      }
      case 'lease.delete':
        s.leaseDelete.run(c.moduleId, c.holderId);
        return;
      case 'member.put':
        s.memberPut.run({
          ...c.member,
          features: JSON.stringify(c.member.features),
          missingFeatures: JSON.stringify(c.member.missingFeatures),
        });
        return;
      case 'member.delete':
        s.memberDelete.run(c.moduleId, c.memberId);
        return;
      case 'quota.put':
        s.quotaPut.run(c.quota);
        return;
    }
  }

  getLicense(): Promise<{ text: string; installedAt: number } | null> {
    return this.gate.run(() => {
      const r = this.db.prepare('SELECT text, installed_at FROM license WHERE slot = 1').get() as Row | undefined;
      return r ? { text: r.text as string, installedAt: r.installed_at as number } : null;
    });
  }

  putLicense(text: string, at: number, event: NewEvent, audit?: NewAuditRecord): Promise<number> {
    return this.gate.run(() => {
      return this.db.transaction(() => {
        this.db
          .prepare(
            'INSERT INTO license VALUES (1, ?, ?) ON CONFLICT (slot) DO UPDATE SET text = excluded.text, installed_at = excluded.installed_at',
          )
          .run(text, at);
        const seq = this.s.insertEvent(event);
        if (audit) this.s.insertAudit(audit);
        return seq;
      })();
    });
  }

  appendAudit(record: NewAuditRecord): Promise<number> {
    return this.gate.run(() => {
      return this.s.insertAudit(record);
    });
  }

  listAudit(q: { after: number; limit: number }): Promise<AuditRecord[]> {
    return this.gate.run(() => {
      const rows = this.db
        .prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?')
        .all(q.after, q.limit) as Row[];
      return rows.map(toAudit);
    });
  }

  createToken(t: TokenRecord): Promise<void> {
    return this.gate.run(() => {
      this.db
        .prepare('INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?)')
        .run(t.id, t.name, t.role, t.hash, t.createdAt, t.revokedAt);
    });
  }

  findTokenByHash(hash: string): Promise<TokenRecord | null> {
    return this.gate.run(() => {
      const r = this.db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as Row | undefined;
      return r ? toToken(r) : null;
    });
  }

  listTokens(): Promise<TokenRecord[]> {
    return this.gate.run(() => {
      return (this.db.prepare('SELECT * FROM tokens ORDER BY created_at').all() as Row[]).map(toToken);
    });
  }

  revokeToken(id: string, at: number): Promise<boolean> {
    return this.gate.run(() => {
      return (
        this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0
      );
    });
  }

  listEvents(q: { after: number; limit: number; types?: string[]; moduleId?: number }): Promise<StoredEvent[]> {
    return this.gate.run(() => {
      const where = ['seq > ?'];
      const args: unknown[] = [q.after];
      if (q.types?.length) {
        where.push(`type IN (${q.types.map(() => '?').join(',')})`);
        args.push(...q.types);
      }
      if (q.moduleId !== undefined) {
        where.push('module_id = ?');
        args.push(q.moduleId);
      }
      args.push(q.limit);
      const rows = this.db
        .prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
        .all(...args) as Row[];
      return rows.map(toEvent);
    });
  }

  pruneEvents(q: PruneEventsQuery): Promise<PruneEventsStep> {
    return this.gate.run(() => {
      return this.db.transaction(() => {
        const rows = this.db
          .prepare(
            'SELECT seq, at FROM events WHERE seq > ? AND seq < (SELECT MAX(seq) FROM events) ORDER BY seq LIMIT ?',
          )
          .all(q.afterSeq, q.limit) as { seq: number; at: number }[];
        const { step, range } = planPruneStep(rows, q);
        if (!range) return step;
        return {
          ...step,
          deleted: this.db
            .prepare('DELETE FROM events WHERE seq >= ? AND seq <= ? AND at < ?')
            .run(range.first, range.last, q.before).changes,
        };
      })();
    });
  }

  getIdempotency(tokenId: string, key: string): Promise<IdempotencyRecord | null> {
    return this.gate.run(() => {
      const r = this.db.prepare('SELECT * FROM idempotency WHERE token_id = ? AND key = ?').get(tokenId, key) as
        | Row
        | undefined;
      return r ? toIdempotency(r) : null;
    });
  }

  getMeta(key: string): Promise<string | null> {
    return this.gate.run(() => {
      const r = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
      return r ? (r.value as string) : null;
    });
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.gate.run(() => {
      this.db
        .prepare('INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
        .run(key, value);
    });
  }
  initMeta(key: string, value: string): Promise<string> {
    return this.gate.run(() => {
      this.db.prepare('INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(key, value);
      return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as Row).value as string;
    });
  }

  async ping(): Promise<boolean> {
    return this.db.open;
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) {
      this.db.close();
      releaseLane(this.lanePath);
    }
  }
}
