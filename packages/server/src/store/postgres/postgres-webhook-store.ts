import type { NewAuditRecord, StoredEvent } from '../store.js';
import type {
  AttemptRecord,
  DeliveryLogEntry,
  DeliveryRecord,
  DeliveryStatus,
  WebhookRecord,
  WebhookStore,
} from '../webhook-store.js';
import type { PostgresHost } from './postgres-host.js';
import { type Row, toEvent } from '../store-rows.js';
import { insertAudit, takeFeedLock } from './postgres-writes.js';

const HEAD = 'SELECT COALESCE(MAX(seq), 0) AS s FROM events';

/**
 * Webhook endpoints and their outbox on PostgreSQL (migration 5). Dispatchers in several processes enqueue under one
 * advisory lock (the cursor moves with the deliveries it produced) and claim each delivery with a guarded update, so
 * every event is delivered by one process.
 */
export class PostgresWebhookStore implements WebhookStore {
  constructor(private readonly host: PostgresHost) {}

  async create(w: Omit<WebhookRecord, 'afterSeq'>, audit: NewAuditRecord): Promise<WebhookRecord> {
    return this.host.write(async (c) => {
      // Under the feed lock: the head read here is the last event any later enqueue can see before this webhook.
      await takeFeedLock(c, this.host.keys);
      const record: WebhookRecord = { ...w, afterSeq: ((await c.query(HEAD)).rows[0] as { s: number }).s };
      await c.query(
        'INSERT INTO webhooks (id, url, events, secret, description, after_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [
          record.id,
          record.url,
          JSON.stringify(record.events),
          record.secret,
          record.description,
          record.afterSeq,
          record.createdAt,
        ],
      );
      await insertAudit(c, [audit]);
      return record;
    });
  }

  async get(id: string): Promise<WebhookRecord | null> {
    const r = (await this.host.pool.query('SELECT * FROM webhooks WHERE id = $1', [id])).rows[0] as Row | undefined;
    return r ? toWebhook(r) : null;
  }

  async list(): Promise<WebhookRecord[]> {
    return ((await this.host.pool.query('SELECT * FROM webhooks ORDER BY created_at, ord')).rows as Row[]).map(
      toWebhook,
    );
  }

  async remove(id: string, audit: NewAuditRecord): Promise<boolean> {
    return this.host.write(async (c) => {
      const gone = (await c.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount === 1;
      if (gone) {
        await takeFeedLock(c, this.host.keys);
        await insertAudit(c, [audit]);
      }
      return gone;
    });
  }

  async enqueue(
    limit: number,
    plan: (webhooks: WebhookRecord[], events: StoredEvent[]) => DeliveryRecord[],
  ): Promise<number> {
    return this.host.write(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, 1)', [this.host.keys.feed]);
      const head = ((await c.query(HEAD)).rows[0] as { s: number }).s;
      const webhooks = ((await c.query('SELECT * FROM webhooks ORDER BY created_at, ord')).rows as Row[]).map(
        toWebhook,
      );
      const setCursor = (seq: number) =>
        c.query('INSERT INTO webhook_cursor VALUES (1, $1) ON CONFLICT (slot) DO UPDATE SET seq = excluded.seq', [seq]);
      if (webhooks.length === 0) {
        await setCursor(head);
        return 0;
      }
      const stored =
        ((await c.query('SELECT seq FROM webhook_cursor WHERE slot = 1')).rows[0] as { seq: number } | undefined)
          ?.seq ?? 0;
      const from = Math.max(stored, Math.min(...webhooks.map((w) => w.afterSeq)));
      const events = (
        (await c.query('SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2', [from, limit])).rows as Row[]
      ).map(toEvent);
      const ds = plan(webhooks, events);
      if (ds.length) {
        await c.query(
          `INSERT INTO webhook_deliveries SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::int[],
           $8::bigint[], $9::int[], $10::text[], $11::bigint[], $12::bigint[]) ON CONFLICT DO NOTHING`,
          [
            ds.map((d) => d.id),
            ds.map((d) => d.webhookId),
            ds.map((d) => d.eventSeq),
            ds.map((d) => d.eventType),
            ds.map((d) => d.body),
            ds.map((d) => d.status),
            ds.map((d) => d.attempts),
            ds.map((d) => d.nextAttemptAt),
            ds.map((d) => d.lastStatusCode),
            ds.map((d) => d.lastError),
            ds.map((d) => d.createdAt),
            ds.map((d) => d.deliveredAt),
          ],
        );
      }
      await setCursor(events.at(-1)?.seq ?? from);
      return events.length;
    });
  }

  async due(now: number, limit: number): Promise<DeliveryRecord[]> {
    const r = await this.host.pool.query(
      "SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, event_seq LIMIT $2",
      [now, limit],
    );
    return (r.rows as Row[]).map(toDelivery);
  }

  async claim(id: string, expectedNextAttemptAt: number, until: number): Promise<boolean> {
    const r = await this.host.pool.query(
      "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2 AND status = 'pending' AND next_attempt_at = $3",
      [until, id, expectedNextAttemptAt],
    );
    return r.rowCount === 1;
  }

  async recordAttempt(
    id: string,
    a: AttemptRecord,
    next: Pick<
      DeliveryRecord,
      'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
    >,
  ): Promise<void> {
    await this.host.write(async (c) => {
      await c.query(
        'INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms, next_retry_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [id, a.attempt, a.at, a.statusCode, a.error, a.durationMs, a.nextRetryAt],
      );
      await c.query(
        'UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status_code = $4, last_error = $5, delivered_at = $6 WHERE id = $7',
        [next.status, next.attempts, next.nextAttemptAt, next.lastStatusCode, next.lastError, next.deliveredAt, id],
      );
    });
  }

  async deliveries(
    webhookId: string,
    q: { before: number | null; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryLogEntry[]> {
    const where = ['webhook_id = $1'];
    const args: unknown[] = [webhookId];
    if (q.before !== null) {
      args.push(q.before);
      where.push(`event_seq < $${args.length}`);
    }
    if (q.status) {
      args.push(q.status);
      where.push(`status = $${args.length}`);
    }
    args.push(q.limit);
    const rows = (
      await this.host.pool.query(
        `SELECT * FROM webhook_deliveries WHERE ${where.join(' AND ')} ORDER BY event_seq DESC LIMIT $${args.length}`,
        args,
      )
    ).rows as Row[];
    const ids = rows.map((r) => r.id as string);
    const attempts = ids.length
      ? ((
          await this.host.pool.query(
            'SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY seq',
            [ids],
          )
        ).rows as Row[])
      : [];
    return rows.map((r) => {
      const { body: _body, ...d } = toDelivery(r);
      return { ...d, log: attempts.filter((a) => a.delivery_id === d.id).map(toAttempt) };
    });
  }

  async counts(webhookId: string): Promise<Record<DeliveryStatus, number>> {
    const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
    for (const r of (
      await this.host.pool.query(
        'SELECT status, COUNT(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1 GROUP BY status',
        [webhookId],
      )
    ).rows as Row[])
      out[r.status as DeliveryStatus] = r.n as number;
    return out;
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
