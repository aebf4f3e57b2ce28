import { chmodSync, closeSync, openSync } from 'node:fs';
import { makeDirectory } from '../make-directory.js';
import { dirname, resolve } from 'node:path';
import type { Change } from '@licensor/core';
import Database from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import type { CommitBatch, PoolSnapshot, Store } from '../store.js';
import { type Row, toLease, toMember, toQuota } from '../store-rows.js';
import { prepareFeedWrites } from './feed-writes.js';
import { appliedVersions, MIGRATIONS, migrationStatements, versionsTable } from '../sql/migrations.js';
import { SQLITE } from '../sql/sql-dialect.js';
import { SqlStoreBase } from '../sql/sql-store-base.js';
import { SqliteSqlHost } from './sqlite-sql-host.js';
import { laneOf, releaseLane, SqliteGate } from './sqlite-gate.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import type { Logger } from '../../log/logger.js';

/** SQLite durability: NORMAL survives a process crash (SIGKILL); FULL also survives power loss. */
export type SqliteSynchronous = 'normal' | 'full';

/** The embedded store: one better-sqlite3 file in WAL mode, owned by one Licensor process. */
export class SqliteStore extends SqlStoreBase implements Store {
  readonly kind = 'sqlite' as const;
  readonly commitGroupSize: number;
  private readonly db: Database.Database;
  /** Every statement of this store and its parts passes it (see SqliteGate). */
  private readonly gate: SqliteGate;
  private readonly lanePath: string;
  private prepared: ReturnType<SqliteStore['prepare']> | undefined;
  private readonly checkpointer: WalCheckpointer | null = null;

  constructor(path: string, synchronous: SqliteSynchronous = 'normal', log?: Logger) {
    const db = openFile(path, synchronous);
    const lanePath = path === ':memory:' ? path : resolve(path);
    const gate = new SqliteGate(db, laneOf(lanePath));
    super(new SqliteSqlHost(gate, db));
    this.db = db;
    this.gate = gate;
    this.lanePath = lanePath;
    // With FULL every commit waits for an fsync: bigger groups pay for it; with NORMAL small groups answer sooner.
    this.commitGroupSize = synchronous === 'full' ? 256 : 32;
    // Checkpoints run on a timer instead of inside whichever commit crosses the WAL size: the hot tables rewrite the
    // same few pages all the time, so one checkpoint a second copies each page once instead of once per ~1,000 pages
    // of commits; and the bulk of it runs on a worker thread, so no acquire waits behind its fsyncs.
    if (path !== ':memory:') {
      this.checkpointer = new WalCheckpointer(db, path, synchronous === 'full' ? 'FULL' : 'NORMAL', log);
    }
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

/** Opens (creating it private to the service user) a database file in WAL mode with the store's pragmas. */
function openFile(path: string, synchronous: SqliteSynchronous): Database.Database {
  if (path !== ':memory:') {
    // The store holds token hashes, the node key and webhook secrets: the directory and the database are the
    // service user's only. SQLite gives its -wal and -shm files the database file's mode.
    makeDirectory(dirname(path), 0o700);
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
  }
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  if (path !== ':memory:') {
    db.pragma('wal_autocheckpoint = 0');
    // A burst can grow the WAL; when it starts over, the file is cut back to this size instead of keeping its peak.
    db.pragma('journal_size_limit = 67108864');
  }
  return db;
}
