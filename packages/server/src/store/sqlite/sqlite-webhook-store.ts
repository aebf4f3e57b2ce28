import type Database from 'better-sqlite3';
import type { SqliteGate } from './sqlite-gate.js';
import { type Row, toEvent } from '../store-rows.js';
import { prepareFeedWrites } from './feed-writes.js';
import type { NewAuditRecord, StoredEvent } from '../store.js';
import type {
  AttemptRecord,
  DeliveryLogEntry,
  DeliveryRecord,
  DeliveryStatus,
  WebhookRecord,
  WebhookStore,
} from '../webhook-store.js';

/** Webhook endpoints and their outbox in the embedded store (created by migration 5). */
export class SqliteWebhookStore implements WebhookStore {
  private prepared: ReturnType<SqliteWebhookStore['prepare']> | undefined;

  constructor(private readonly gate: SqliteGate) {}

  private q(db: Database.Database): ReturnType<SqliteWebhookStore['prepare']> {
    this.prepared ??= this.prepare(db);
    return this.prepared;
  }

  private prepare(db: Database.Database) {
    return {
      head: db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM events'),
      put: db.prepare('INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
      list: db.prepare('SELECT * FROM webhooks ORDER BY created_at, rowid'),
      remove: db.prepare('DELETE FROM webhooks WHERE id = ?'),
      ...prepareFeedWrites(db),
      cursor: db.prepare('SELECT seq FROM webhook_cursor WHERE slot = 1'),
      setCursor: db.prepare(
        'INSERT INTO webhook_cursor VALUES (1, ?) ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq',
      ),
      events: db.prepare('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
      deliveryPut: db.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries VALUES (@id, @webhookId, @eventSeq, @eventType, @body, @status, @attempts,
         @nextAttemptAt, @lastStatusCode, @lastError, @createdAt, @deliveredAt)`,
      ),
      due: db.prepare(
        "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, event_seq LIMIT ?",
      ),
      claim: db.prepare(
        "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at = ?",
      ),
      attemptPut: db.prepare(
        'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms, next_retry_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      deliveryUpdate: db.prepare(
        `UPDATE webhook_deliveries SET status = @status, attempts = @attempts, next_attempt_at = @nextAttemptAt,
         last_status_code = @lastStatusCode, last_error = @lastError, delivered_at = @deliveredAt WHERE id = @id`,
      ),
      attemptsOf: db.prepare('SELECT * FROM webhook_attempts WHERE delivery_id = ? ORDER BY seq'),
      counts: db.prepare('SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? GROUP BY status'),
    };
  }

  create(w: Omit<WebhookRecord, 'afterSeq'>, audit: NewAuditRecord): Promise<WebhookRecord> {
    return this.gate.run((db) => {
      return db
        .transaction(() => {
          const record: WebhookRecord = { ...w, afterSeq: (this.q(db).head.get() as { s: number }).s };
          this.q(db).put.run(
            record.id,
            record.url,
            JSON.stringify(record.events),
            record.secret,
            record.description,
            record.afterSeq,
            record.createdAt,
          );
          this.audit(db, audit);
          return record;
        })
        .immediate();
    });
  }

  get(id: string): Promise<WebhookRecord | null> {
    return this.gate.run((db) => {
      const r = this.q(db).get.get(id) as Row | undefined;
      return r ? toWebhook(r) : null;
    });
  }

  list(): Promise<WebhookRecord[]> {
    return this.gate.run((db) => {
      return (this.q(db).list.all() as Row[]).map(toWebhook);
    });
  }

  remove(id: string, audit: NewAuditRecord): Promise<boolean> {
    return this.gate.run((db) => {
      return db
        .transaction(() => {
          // The foreign keys cascade: the webhook's outbox and attempt log go with it.
          const gone = this.q(db).remove.run(id).changes === 1;
          if (gone) this.audit(db, audit);
          return gone;
        })
        .immediate();
    });
  }

  private audit(db: Database.Database, a: NewAuditRecord): void {
    this.q(db).insertAudit(a);
  }

  enqueue(
    limit: number,
    plan: (webhooks: WebhookRecord[], events: StoredEvent[]) => DeliveryRecord[],
  ): Promise<number> {
    return this.gate.run((db) => {
      // IMMEDIATE: two dispatchers on one file serialize here, and the cursor moves with the deliveries it produced.
      return db
        .transaction(() => {
          const head = (this.q(db).head.get() as { s: number }).s;
          const webhooks = (this.q(db).list.all() as Row[]).map(toWebhook);
          if (webhooks.length === 0) {
            this.q(db).setCursor.run(head);
            return 0;
          }
          const stored = (this.q(db).cursor.get() as { seq: number } | undefined)?.seq ?? 0;
          // Events older than every webhook were never meant for any of them: skip them without reading.
          const from = Math.max(stored, Math.min(...webhooks.map((w) => w.afterSeq)));
          const events = (this.q(db).events.all(from, limit) as Row[]).map(toEvent);
          for (const d of plan(webhooks, events)) this.q(db).deliveryPut.run({ ...d });
          const next = events.at(-1)?.seq ?? from;
          if (next !== stored) this.q(db).setCursor.run(next);
          return events.length;
        })
        .immediate();
    });
  }

  due(now: number, limit: number): Promise<DeliveryRecord[]> {
    return this.gate.run((db) => {
      return (this.q(db).due.all(now, limit) as Row[]).map(toDelivery);
    });
  }

  claim(id: string, expectedNextAttemptAt: number, until: number): Promise<boolean> {
    return this.gate.run((db) => {
      return this.q(db).claim.run(until, id, expectedNextAttemptAt).changes === 1;
    });
  }

  recordAttempt(
    id: string,
    a: AttemptRecord,
    next: Pick<
      DeliveryRecord,
      'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
    >,
  ): Promise<void> {
    return this.gate.run((db) => {
      db.transaction(() => {
        this.q(db).attemptPut.run(id, a.attempt, a.at, a.statusCode, a.error, a.durationMs, a.nextRetryAt);
        this.q(db).deliveryUpdate.run({ id, ...next });
      }).immediate();
    });
  }

  deliveries(
    webhookId: string,
    q: { before: number | null; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryLogEntry[]> {
    return this.gate.run((db) => {
      const where = ['webhook_id = ?'];
      const args: unknown[] = [webhookId];
      if (q.before !== null) {
        where.push('event_seq < ?');
        args.push(q.before);
      }
      if (q.status) {
        where.push('status = ?');
        args.push(q.status);
      }
      const rows = db
        .prepare(`SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY event_seq DESC LIMIT ?`)
        .all(...args, q.limit) as Row[];
      return rows.map((r) => {
        const { body: _body, ...d } = toDelivery(r);
        return { ...d, log: (this.q(db).attemptsOf.all(d.id) as Row[]).map(toAttempt) };
      });
    });
  }

  counts(webhookId: string): Promise<Record<DeliveryStatus, number>> {
    return this.gate.run((db) => {
      const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
      for (const r of this.q(db).counts.all(webhookId) as Row[]) out[r.status as DeliveryStatus] = r.n as number;
      return out;
    });
  }
}

function toWebhook(r: Row): WebhookRecord {
  return {
    id: r.id as string,
    url: r.url as string,
    events: JSON.parse(r.events as string) as string[],
    secret: r.secret as string,
    description: (r.description as string | null) ?? null,
    afterSeq: r.after_seq as number,
    createdAt: r.created_at as number,
  };
}

function toDelivery(r: Row): DeliveryRecord {
  return {
    id: r.id as string,
    webhookId: r.webhook_id as string,
    eventSeq: r.event_seq as number,
    eventType: r.event_type as string,
    body: r.body as string,
    status: r.status as DeliveryStatus,
    attempts: r.attempts as number,
    nextAttemptAt: (r.next_attempt_at as number | null) ?? null,
    lastStatusCode: (r.last_status_code as number | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as number,
    deliveredAt: (r.delivered_at as number | null) ?? null,
  };
}

function toAttempt(r: Row): AttemptRecord {
  return {
    attempt: r.attempt as number,
    at: r.at as number,
    statusCode: (r.status_code as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    durationMs: r.duration_ms as number,
    nextRetryAt: (r.next_retry_at as number | null) ?? null,
  };
}
