import type { Change, Lease, Member, QuotaReport } from '@licensor/core';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { CommitBatch, IdempotencyRecord, NewAuditRecord, NewEvent } from '../store.js';

const { escapeLiteral } = pg;

/** Advisory-lock keys of one schema: the feed lock (events, audit, ledger cursors) and one lock per pool. */
export interface LockKeys {
  /** First key of every pool lock (the second is the module id). */
  pools: number;
  /** Serializes the tail of every transaction that appends to a cursor table, so commit order is seq order. */
  feed: number;
  migrate: number;
  /** Serializes billing write transactions across processes (as BEGIN IMMEDIATE does on SQLite). */
  billing: number;
  /** First key of the pools' fence locks: commits take them shared, a takeover exclusively (the second is the module). */
  fence: number;
  /** NOTIFY channel of this schema. */
  channel: string;
  /**
   * The NOTIFY payload of this store's writes: a follower in the same process knows its own commits without reading
   * them back, and reads the feed only when another writer (another payload) committed.
   */
  writer: string;
}

/** Derives lock keys and the NOTIFY channel from the schema name (tests run many schemas in one database). */
export function lockKeys(schema: string): LockKeys {
  let h = 0x811c9dc5;
  for (const ch of schema) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  const base = h & 0x7ffffff0;
  return {
    pools: base,
    feed: base + 1,
    migrate: base + 2,
    billing: base + 3,
    fence: base + 4,
    channel: `licensor_events_${schema}`,
    writer: randomBytes(9).toString('base64url'),
  };
}

/**
 * Takes the feed lock (held until commit) and wakes the followers at commit. Every later statement of the transaction
 * reads a snapshot taken after the lock, so `MAX(seq) + n` cannot collide, and a reader that saw seq N has already seen
 * every seq below N.
 */
export async function takeFeedLock(c: pg.ClientBase, keys: LockKeys): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, 0), pg_notify($2, $3)', [keys.feed, keys.channel, keys.writer]);
}

/** Appends events (the feed lock held); returns their sequence numbers in order. */
export async function insertEvents(c: pg.ClientBase, events: NewEvent[]): Promise<number[]> {
  if (!events.length) return [];
  const r = await c.query(
    `INSERT INTO events (seq, type, module_id, subject, data, at)
     SELECT (SELECT COALESCE(MAX(seq), 0) FROM events) + o, t, m, s, d, a
     FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS x (t, m, s, d, a, o)
     RETURNING seq`,
    [
      events.map((e) => e.type),
      events.map((e) => e.moduleId),
      events.map((e) => e.subject),
      events.map((e) => (e.data ? JSON.stringify(e.data) : null)),
      events.map((e) => e.at),
    ],
  );
  return (r.rows as { seq: number }[]).map((x) => x.seq).sort((a, b) => a - b);
}

/** Appends audit entries (the feed lock held); returns their sequence numbers in order. */
export async function insertAudit(c: pg.ClientBase, audit: NewAuditRecord[]): Promise<number[]> {
  if (!audit.length) return [];
  const r = await c.query(
    `INSERT INTO audit (seq, id, at, actor_token_id, actor_name, action, target, details)
     SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit) + o, i, a, t, n, c, g, d
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x (i, a, t, n, c, g, d, o)
     RETURNING seq`,
    [
      audit.map((a) => a.id),
      audit.map((a) => a.at),
      audit.map((a) => a.actor.tokenId),
      audit.map((a) => a.actor.name),
      audit.map((a) => a.action),
      audit.map((a) => a.target),
      audit.map((a) => (a.details ? JSON.stringify(a.details) : null)),
    ],
  );
  return (r.rows as { seq: number }[]).map((x) => x.seq).sort((a, b) => a - b);
}

/** One SQL literal: numbers as they are (finite only), strings quoted by pg's escapeLiteral, null as NULL. */
function lit(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  return escapeLiteral(String(v));
}

const row = (values: unknown[]) => `(${values.map(lit).join(', ')})`;

/** An SQL array of literals with its element type (`ARRAY[]::text[]` when empty). */
const arr = (values: unknown[], type: string) => `ARRAY[${values.map(lit).join(', ')}]::${type}[]`;

/** How one column of rows goes to the commit function: the value of each row, and the array's element type. */
type Column<T> = readonly [(row: T) => unknown, string];

/** One SQL array per column, each holding that column's value of every row. */
const columns = <T>(rows: T[], cols: readonly Column<T>[]) => cols.map(([value, type]) => arr(rows.map(value), type));

const LEASE_COLUMNS: readonly Column<Lease>[] = [
  [(l) => l.moduleId, 'int'],
  [(l) => l.holderId, 'text'],
  [(l) => l.leaseId, 'text'],
  [(l) => l.sessionId, 'text'],
  [(l) => l.acquiredAt, 'bigint'],
  [(l) => l.lastHeartbeatAt, 'bigint'],
  [(l) => l.lastActivityAt, 'bigint'],
  [(l) => l.expiresAt, 'bigint'],
];
const DELETE_COLUMNS: readonly Column<{ moduleId: number; holderId: string }>[] = [
  [(l) => l.moduleId, 'int'],
  [(l) => l.holderId, 'text'],
];
const EVENT_COLUMNS: readonly Column<NewEvent>[] = [
  [(e) => e.type, 'text'],
  [(e) => e.moduleId, 'int'],
  [(e) => e.subject, 'text'],
  [(e) => (e.data ? JSON.stringify(e.data) : null), 'text'],
  [(e) => e.at, 'bigint'],
];

/**
 * The SQL that writes a group of batches and commits, as one multi-statement text (one round trip, which is what the
 * shared path's throughput hangs on): members, quotas and idempotency records as literal statements, then one call of
 * `licensor_write_pools` (write-pools-function.ts) with the fence, the lease rows and the events as arrays, then audit
 * entries, then COMMIT. Values are inlined as literals (the simple query protocol takes no parameters), each through
 * pg's escapeLiteral. Changes are folded to each key's final state first (the last change to a lease wins). Returns the
 * text and the index of the call among its results (its one row holds the events' seqs).
 */
export function writeSql(keys: LockKeys, batches: CommitBatch[]): { sql: string; seqsResult: number } {
  const leases = new Map<string, Lease | { moduleId: number; holderId: string; gone: true }>();
  const members = new Map<string, Member | { moduleId: number; memberId: string; gone: true }>();
  const quotas = new Map<number, QuotaReport>();
  const idem: IdempotencyRecord[] = [];
  const audit: NewAuditRecord[] = [];
  const events: NewEvent[] = [];
  const epochs = new Map<number, number>();
  let fenced = false;
  let license: number | null = null;
  for (const b of batches) {
    for (const ch of b.changes) fold(ch, leases, members, quotas);
    idem.push(...b.idempotency);
    audit.push(...b.audit);
    events.push(...b.events);
    if (!b.fence) continue;
    fenced = true;
    license = b.fence.licenseInstalledAt;
    for (const [moduleId, epoch] of b.fence.pools) {
      const seen = epochs.get(moduleId);
      // Two epochs for one pool in one group: the pool changed hands between the decisions; the older one must fail.
      epochs.set(moduleId, seen === undefined ? epoch : Math.min(seen, epoch));
    }
  }
  const out: string[] = [];
  const mput = [...members.values()].filter((m): m is Member => !('gone' in m));
  const mdel = [...members.values()].filter((m) => 'gone' in m);
  if (mput.length) {
    out.push(
      `INSERT INTO members (module_id, member_id, seq, first_connected_at, last_seen_at, state, features, blocked_reason, missing_features)
       VALUES ${mput.map((m) => row([m.moduleId, m.memberId, m.seq, m.firstConnectedAt, m.lastSeenAt, m.state, JSON.stringify(m.features), m.blockedReason, JSON.stringify(m.missingFeatures)])).join(', ')}
       ON CONFLICT (module_id, member_id) DO UPDATE SET seq = excluded.seq, first_connected_at = excluded.first_connected_at,
       last_seen_at = excluded.last_seen_at, state = excluded.state, features = excluded.features,
       blocked_reason = excluded.blocked_reason, missing_features = excluded.missing_features`,
    );
  }
  if (mdel.length)
    out.push(
      `DELETE FROM members WHERE (module_id, member_id) IN (${mdel.map((m) => row([m.moduleId, m.memberId])).join(', ')})`,
    );
  if (quotas.size) {
    out.push(
      `INSERT INTO quotas VALUES ${[...quotas.values()].map((q) => row([q.moduleId, q.count, q.reportedAt, q.state])).join(', ')}
       ON CONFLICT (module_id) DO UPDATE SET count = excluded.count, reported_at = excluded.reported_at, state = excluded.state`,
    );
  }
  if (idem.length)
    out.push(
      `INSERT INTO idempotency VALUES ${idem.map((r) => row([r.tokenId, r.key, r.fingerprint, r.status, r.body, r.createdAt])).join(', ')} ON CONFLICT DO NOTHING`,
    );
  const put = [...leases.values()].filter((l): l is Lease => !('gone' in l));
  const del = [...leases.values()].filter((l) => 'gone' in l);
  const seqsResult = out.length;
  // The function's arguments, in its order (write-pools-function.ts): the fence, lease rows, deletes, feed, events.
  const args = [
    arr([...epochs.keys()], 'int'),
    arr([...epochs.values()], 'bigint'),
    `${lit(license)}::bigint`,
    String(fenced),
    lit(keys.fence),
    ...columns(put, LEASE_COLUMNS),
    ...columns(del, DELETE_COLUMNS),
    String(events.length > 0 || audit.length > 0),
    lit(keys.feed),
    lit(keys.channel),
    lit(keys.writer),
    ...columns(events, EVENT_COLUMNS),
  ];
  out.push(`SELECT licensor_write_pools(${args.join(', ')}) AS seqs`);
  if (audit.length) {
    // The feed lock is held since the call above, so MAX(seq) + n cannot collide.
    out.push(
      `INSERT INTO audit (seq, id, at, actor_token_id, actor_name, action, target, details)
       SELECT (SELECT COALESCE(MAX(seq), 0) FROM audit) + o, i, a, t, n, c, g, d
       FROM (VALUES ${audit.map((a, o) => row([o + 1, a.id, a.at, a.actor.tokenId, a.actor.name, a.action, a.target, a.details ? JSON.stringify(a.details) : null])).join(', ')}) AS x (o, i, a, t, n, c, g, d)`,
    );
  }
  out.push('COMMIT');
  return { sql: out.join(';\n'), seqsResult };
}

function fold(
  ch: Change,
  leases: Map<string, Lease | { moduleId: number; holderId: string; gone: true }>,
  members: Map<string, Member | { moduleId: number; memberId: string; gone: true }>,
  quotas: Map<number, QuotaReport>,
): void {
  switch (ch.kind) {
    case 'lease.put':
      leases.set(`${ch.lease.moduleId}\u0000${ch.lease.holderId}`, ch.lease);
      return;
    case 'lease.delete':
      leases.set(`${ch.moduleId}\u0000${ch.holderId}`, { moduleId: ch.moduleId, holderId: ch.holderId, gone: true });
      return;
    case 'member.put':
      members.set(`${ch.member.moduleId}\u0000${ch.member.memberId}`, ch.member);
      return;
    case 'member.delete':
      members.set(`${ch.moduleId}\u0000${ch.memberId}`, { moduleId: ch.moduleId, memberId: ch.memberId, gone: true });
      return;
    case 'quota.put':
      quotas.set(ch.quota.moduleId, ch.quota);
      return;
  }
}
