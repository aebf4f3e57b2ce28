import type { Change, Lease, Member, QuotaReport } from '@licensor/core';
import type pg from 'pg';
import type { CommitBatch, IdempotencyRecord, NewAuditRecord, NewEvent } from '../store.js';

/** Advisory-lock keys of one schema: the feed lock (events, audit, ledger cursors) and one lock per pool. */
export interface LockKeys {
  /** First key of every pool lock (the second is the module id). */
  pools: number;
  /** Serializes the tail of every transaction that appends to a cursor table, so commit order is seq order. */
  feed: number;
  migrate: number;
  /** NOTIFY channel of this schema. */
  channel: string;
}

/** Derives lock keys and the NOTIFY channel from the schema name (tests run many schemas in one database). */
export function lockKeys(schema: string): LockKeys {
  let h = 0x811c9dc5;
  for (const ch of schema) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  const base = h & 0x7ffffff0;
  return { pools: base, feed: base + 1, migrate: base + 2, channel: `licensor_events_${schema}` };
}

/**
 * Takes the feed lock (held until commit) and wakes the followers at commit. Every later statement of the transaction
 * reads a snapshot taken after the lock, so `MAX(seq) + n` cannot collide, and a reader that saw seq N has already seen
 * every seq below N.
 */
export async function takeFeedLock(c: pg.ClientBase, keys: LockKeys): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1, 0), pg_notify($2, \'\')', [keys.feed, keys.channel]);
}

/** Appends events (the feed lock held); returns their sequence numbers in order. */
export async function insertEvents(c: pg.ClientBase, events: NewEvent[]): Promise<number[]> {
  if (!events.length) return [];
  const r = await c.query(
    `INSERT INTO events (seq, type, module_id, subject, data, at)
     SELECT (SELECT COALESCE(MAX(seq), 0) FROM events) + o, t, m, s, d, a
     FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS x (t, m, s, d, a, o)
     RETURNING seq`,
    [events.map((e) => e.type), events.map((e) => e.moduleId), events.map((e) => e.subject), events.map((e) => (e.data ? JSON.stringify(e.data) : null)), events.map((e) => e.at)],
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

/**
 * Writes batches in one transaction (the caller's): pool rows, idempotency records, audit entries, events. Changes are
 * folded to each key's final state first (the last change to a lease wins), then written set-wise, a few statements
 * per group whatever its size.
 */
export async function writeBatches(c: pg.ClientBase, keys: LockKeys, batches: CommitBatch[]): Promise<number[][]> {
  const leases = new Map<string, Lease | { moduleId: number; holderId: string; gone: true }>();
  const members = new Map<string, Member | { moduleId: number; memberId: string; gone: true }>();
  const quotas = new Map<number, QuotaReport>();
  const idem: IdempotencyRecord[] = [];
  const audit: NewAuditRecord[] = [];
  const events: NewEvent[] = [];
  for (const b of batches) {
    for (const ch of b.changes) fold(ch, leases, members, quotas);
    idem.push(...b.idempotency);
    audit.push(...b.audit);
    events.push(...b.events);
  }
  const put = [...leases.values()].filter((l): l is Lease => !('gone' in l));
  const del = [...leases.values()].filter((l) => 'gone' in l);
  if (put.length) {
    await c.query(
      `INSERT INTO leases SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
       ON CONFLICT (module_id, holder_id) DO UPDATE SET lease_id = excluded.lease_id, session_id = excluded.session_id,
       acquired_at = excluded.acquired_at, last_heartbeat_at = excluded.last_heartbeat_at,
       last_activity_at = excluded.last_activity_at, expires_at = excluded.expires_at`,
      [put.map((l) => l.moduleId), put.map((l) => l.holderId), put.map((l) => l.leaseId), put.map((l) => l.sessionId), put.map((l) => l.acquiredAt), put.map((l) => l.lastHeartbeatAt), put.map((l) => l.lastActivityAt), put.map((l) => l.expiresAt)],
    );
  }
  if (del.length) {
    await c.query('DELETE FROM leases WHERE (module_id, holder_id) IN (SELECT * FROM unnest($1::int[], $2::text[]))', [del.map((l) => l.moduleId), del.map((l) => l.holderId)]);
  }
  const mput = [...members.values()].filter((m): m is Member => !('gone' in m));
  const mdel = [...members.values()].filter((m) => 'gone' in m);
  if (mput.length) {
    await c.query(
      `INSERT INTO members SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[])
       ON CONFLICT (module_id, member_id) DO UPDATE SET seq = excluded.seq, first_connected_at = excluded.first_connected_at,
       last_seen_at = excluded.last_seen_at, state = excluded.state, features = excluded.features`,
      [mput.map((m) => m.moduleId), mput.map((m) => m.memberId), mput.map((m) => m.seq), mput.map((m) => m.firstConnectedAt), mput.map((m) => m.lastSeenAt), mput.map((m) => m.state), mput.map((m) => JSON.stringify(m.features))],
    );
  }
  if (mdel.length) {
    await c.query('DELETE FROM members WHERE (module_id, member_id) IN (SELECT * FROM unnest($1::int[], $2::text[]))', [mdel.map((m) => m.moduleId), mdel.map((m) => m.memberId)]);
  }
  if (quotas.size) {
    const q = [...quotas.values()];
    await c.query(
      `INSERT INTO quotas SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::text[])
       ON CONFLICT (module_id) DO UPDATE SET count = excluded.count, reported_at = excluded.reported_at, state = excluded.state`,
      [q.map((x) => x.moduleId), q.map((x) => x.count), q.map((x) => x.reportedAt), q.map((x) => x.state)],
    );
  }
  if (idem.length) {
    await c.query('INSERT INTO idempotency SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[]) ON CONFLICT DO NOTHING', [
      idem.map((r) => r.tokenId),
      idem.map((r) => r.key),
      idem.map((r) => r.fingerprint),
      idem.map((r) => r.status),
      idem.map((r) => r.body),
      idem.map((r) => r.createdAt),
    ]);
  }
  if (events.length || audit.length) await takeFeedLock(c, keys);
  await insertAudit(c, audit);
  const seqs = await insertEvents(c, events);
  let i = 0;
  return batches.map((b) => b.events.map(() => seqs[i++] as number));
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
