import { sql } from 'kysely';
import type { NewAuditRecord, StoredEvent } from '../store.js';
import { toEvent } from '../store-rows.js';
import { toAttempt, toDelivery, toWebhook } from '../webhook-rows.js';
import type {
  AttemptRecord,
  DeliveryLogEntry,
  DeliveryRecord,
  DeliveryStatus,
  WebhookRecord,
  WebhookStore,
} from '../webhook-store.js';
import type { SqlHost, SqlTx } from './sql-host.js';

/** Rows per INSERT of deliveries (12 parameters each, well under either database's limit). */
const DELIVERY_CHUNK = 500;

/**
 * Webhook endpoints and their outbox on either database (migration 5). Dispatchers enqueue one at a time (SQLite's
 * write lock; an advisory lock on PostgreSQL), so the cursor moves with the deliveries it produced, and claim each
 * delivery with a guarded update, so every event is delivered by one dispatcher.
 */
export class SqlWebhookStore implements WebhookStore {
  constructor(private readonly host: SqlHost) {}

  private get k() {
    return this.host.d.k;
  }

  private head(tx: SqlTx): Promise<number> {
    const max = sql<number>`COALESCE(MAX(seq), 0)`.as('s');
    return tx.first(this.k.selectFrom('events').select(max)).then((r) => Number(r?.s ?? 0));
  }

  private listIn(tx: SqlTx): Promise<WebhookRecord[]> {
    const q = this.k
      .selectFrom('webhooks')
      .selectAll()
      .orderBy('created_at')
      .orderBy(sql.raw(this.host.d.insertionOrder));
    return tx.all(q).then((rows) => rows.map(toWebhook));
  }

  create(w: Omit<WebhookRecord, 'afterSeq'>, audit: NewAuditRecord): Promise<WebhookRecord> {
    return this.host.write(async (tx) => {
      // Under the feed lock: the head read here is the last event any later enqueue can see before this webhook.
      await tx.feedLock();
      const record: WebhookRecord = { ...w, afterSeq: await this.head(tx) };
      await tx.run(
        this.k.insertInto('webhooks').values({
          id: record.id,
          url: record.url,
          events: JSON.stringify(record.events),
          secret: record.secret,
          description: record.description,
          after_seq: record.afterSeq,
          created_at: record.createdAt,
        }),
      );
      await tx.insertAudit(audit);
      return record;
    });
  }

  get(id: string): Promise<WebhookRecord | null> {
    return this.host.read(async (tx) => {
      const r = await tx.first(this.k.selectFrom('webhooks').selectAll().where('id', '=', id));
      return r ? toWebhook(r) : null;
    });
  }

  list(): Promise<WebhookRecord[]> {
    return this.host.read((tx) => this.listIn(tx));
  }

  remove(id: string, audit: NewAuditRecord): Promise<boolean> {
    return this.host.write(async (tx) => {
      // The foreign keys cascade: the webhook's outbox and attempt log go with it.
      const gone = (await tx.run(this.k.deleteFrom('webhooks').where('id', '=', id))) === 1;
      if (gone) await tx.insertAudit(audit);
      return gone;
    });
  }

  enqueue(
    limit: number,
    plan: (webhooks: WebhookRecord[], events: StoredEvent[]) => DeliveryRecord[],
  ): Promise<number> {
    return this.host.write(async (tx) => {
      await tx.lock('webhook-enqueue');
      const k = this.k;
      const head = await this.head(tx);
      const webhooks = await this.listIn(tx);
      const setCursor = (seq: number) =>
        tx.run(
          k
            .insertInto('webhook_cursor')
            .values({ slot: 1, seq })
            .onConflict((oc) => oc.column('slot').doUpdateSet({ seq: (eb) => eb.ref('excluded.seq') })),
        );
      if (webhooks.length === 0) {
        await setCursor(head);
        return 0;
      }
      const stored = Number(
        (await tx.first(k.selectFrom('webhook_cursor').select('seq').where('slot', '=', 1)))?.seq ?? 0,
      );
      // Events older than every webhook were never meant for any of them: skip them without reading.
      const from = Math.max(stored, Math.min(...webhooks.map((w) => w.afterSeq)));
      const events = (
        await tx.all(k.selectFrom('events').selectAll().where('seq', '>', from).orderBy('seq').limit(limit))
      ).map(toEvent);
      const ds = plan(webhooks, events);
      for (let i = 0; i < ds.length; i += DELIVERY_CHUNK) {
        const rows = ds.slice(i, i + DELIVERY_CHUNK).map((d) => ({
          id: d.id,
          webhook_id: d.webhookId,
          event_seq: d.eventSeq,
          event_type: d.eventType,
          body: d.body,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.nextAttemptAt,
          last_status_code: d.lastStatusCode,
          last_error: d.lastError,
          created_at: d.createdAt,
          delivered_at: d.deliveredAt,
        }));
        await tx.run(
          k
            .insertInto('webhook_deliveries')
            .values(rows)
            .onConflict((oc) => oc.doNothing()),
        );
      }
      const next = events.at(-1)?.seq ?? from;
      if (next !== stored) await setCursor(next);
      return events.length;
    });
  }

  due(now: number, limit: number): Promise<DeliveryRecord[]> {
    return this.host.read(async (tx) =>
      (
        await tx.all(
          this.k
            .selectFrom('webhook_deliveries')
            .selectAll()
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .orderBy('next_attempt_at')
            .orderBy('event_seq')
            .limit(limit),
        )
      ).map(toDelivery),
    );
  }

  claim(id: string, expectedNextAttemptAt: number, until: number): Promise<boolean> {
    return this.host.read(
      async (tx) =>
        (await tx.run(
          this.k
            .updateTable('webhook_deliveries')
            .set({ next_attempt_at: until })
            .where('id', '=', id)
            .where('status', '=', 'pending')
            .where('next_attempt_at', '=', expectedNextAttemptAt),
        )) === 1,
    );
  }

  recordAttempt(
    id: string,
    a: AttemptRecord,
    next: Pick<
      DeliveryRecord,
      'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
    >,
  ): Promise<void> {
    return this.host.write(async (tx) => {
      await tx.run(
        this.k.insertInto('webhook_attempts').values({
          delivery_id: id,
          attempt: a.attempt,
          at: a.at,
          status_code: a.statusCode,
          error: a.error,
          duration_ms: a.durationMs,
          next_retry_at: a.nextRetryAt,
        }),
      );
      await tx.run(
        this.k
          .updateTable('webhook_deliveries')
          .set({
            status: next.status,
            attempts: next.attempts,
            next_attempt_at: next.nextAttemptAt,
            last_status_code: next.lastStatusCode,
            last_error: next.lastError,
            delivered_at: next.deliveredAt,
          })
          .where('id', '=', id),
      );
    });
  }

  deliveries(
    webhookId: string,
    q: { before: number | null; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryLogEntry[]> {
    return this.host.read(async (tx) => {
      let query = this.k.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
      if (q.before !== null) query = query.where('event_seq', '<', q.before);
      if (q.status) query = query.where('status', '=', q.status);
      const rows = await tx.all(query.orderBy('event_seq', 'desc').limit(q.limit));
      const ids = rows.map((r) => r.id);
      const attempts = ids.length
        ? await tx.all(this.k.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', ids).orderBy('seq'))
        : [];
      return rows.map((r) => {
        const { body: _body, ...d } = toDelivery(r);
        return { ...d, log: attempts.filter((x) => x.delivery_id === d.id).map(toAttempt) };
      });
    });
  }

  counts(webhookId: string): Promise<Record<DeliveryStatus, number>> {
    return this.host.read(async (tx) => {
      const out: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, failed: 0 };
      const n = sql<number>`COUNT(*)`.as('n');
      const rows = await tx.all(
        this.k
          .selectFrom('webhook_deliveries')
          .select(['status', n])
          .where('webhook_id', '=', webhookId)
          .groupBy('status'),
      );
      for (const r of rows) out[r.status as DeliveryStatus] = Number(r.n);
      return out;
    });
  }
}
