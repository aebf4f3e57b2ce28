import { newId } from '@licensor/protocol';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../time/clock.js';
import type { StoredEvent } from '../store/store.js';
import type { DeliveryRecord, WebhookRecord, WebhookStore } from '../store/webhook-store.js';
import { matchesEventType } from './event-type-match.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelayMs } from './webhook-backoff.js';
import { signWebhookBody, WEBHOOK_SIGNATURE_HEADER } from '@licensor/protocol';

/** What the dispatcher needs; `fetch`, `clock` and `random` are injectable so tests drive retries by hand. */
export interface WebhookDispatcherOptions {
  store: WebhookStore;
  clock: Clock;
  fetch?: typeof fetch;
  random?: () => number;
  retry?: Partial<RetryPolicy>;
  /** How long one HTTP attempt may take (default 10 s). */
  timeoutMs?: number;
  /** Deliveries sent at once (default 4). */
  concurrency?: number;
  /** Where failed passes and given-up deliveries are logged; default: nowhere. */
  log?: Logger;
}

/** What one pass did. */
export interface PumpResult {
  enqueued: number;
  attempted: number;
  delivered: number;
}

const ENQUEUE_BATCH = 500;
const DELIVERY_BATCH = 50;
const MAX_BATCHES_PER_PASS = 20;
const KICK_DELAY_MS = 20;

/**
 * Delivers committed events to webhooks: POST JSON signed with HMAC-SHA256, retried with exponential backoff.
 *
 * Why a cursor over the events feed rather than an outbox row written in each event's own transaction: events are
 * written by the hot-path group commit, billing transactions, license installs — and by other processes sharing the
 * store. Writing deliveries in all those transactions would put webhook work on the slot hot path and in every
 * writer. Instead one transaction turns events after the stored cursor into outbox rows and moves the cursor, so an
 * event committed just before a crash is picked up at the next start, and no event is enqueued twice (a unique
 * (webhook, event) key backs that up). `node.onEvent` (committed events only) merely wakes the dispatcher up.
 */
export class WebhookDispatcher {
  private readonly store: WebhookStore;
  private readonly policy: RetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private chain: Promise<unknown> = Promise.resolve();
  private queued: Promise<PumpResult> | null = null;
  private kickScheduled = false;
  private active = false;
  private closed = false;

  constructor(readonly options: WebhookDispatcherOptions) {
    this.store = options.store;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The retry policy in effect. */
  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /** Re-reads whether any webhook exists (other processes may register them too); call after changes. */
  async refresh(): Promise<void> {
    this.active = (await this.store.list()).length > 0;
  }

  /**
   * A committed event arrived: run a pass soon. Costs one comparison per event while no webhook exists; under a
   * stream of events (busy slot traffic with a `*` webhook) the short delay gathers them into one pass.
   */
  kick(): void {
    if (!this.active || this.kickScheduled || this.closed) return;
    this.kickScheduled = true;
    setTimeout(() => {
      this.kickScheduled = false;
      this.pump().catch((err) => this.options.log?.warn({ err }, 'webhook dispatch failed'));
    }, KICK_DELAY_MS).unref();
  }

  /**
   * One pass: enqueue new events, then attempt every due delivery. Passes never overlap; a call made while one runs
   * gets the next pass, which starts after it (so it sees everything committed before the call).
   */
  pump(): Promise<PumpResult> {
    if (this.queued) return this.queued;
    const next = this.chain.then(() => {
      this.queued = null;
      return this.pass();
    });
    this.queued = next;
    this.chain = next.catch(() => {});
    return next;
  }

  /** Stops waking up and waits for the pass in progress. */
  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
  }

  private async pass(): Promise<PumpResult> {
    const result: PumpResult = { enqueued: 0, attempted: 0, delivered: 0 };
    await this.refresh();
    if (!this.active || this.closed) return result;
    for (let i = 0; i < MAX_BATCHES_PER_PASS; i++) {
      let made = 0;
      const read = await this.store.enqueue(ENQUEUE_BATCH, (webhooks, events) => {
        const out = this.plan(webhooks, events);
        made = out.length;
        return out;
      });
      result.enqueued += made;
      if (read < ENQUEUE_BATCH) break;
    }
    for (let i = 0; i < MAX_BATCHES_PER_PASS && !this.closed; i++) {
      const due = await this.store.due(this.options.clock.now(), DELIVERY_BATCH);
      if (due.length === 0) break;
      const webhooks = new Map((await this.store.list()).map((w) => [w.id, w]));
      await runBounded(due, this.options.concurrency ?? 4, async (d) => {
        const w = webhooks.get(d.webhookId);
        if (!w) return;
        const r = await this.attempt(w, d);
        if (r !== null) result.attempted++;
        if (r === true) result.delivered++;
      });
      if (due.length < DELIVERY_BATCH) break;
    }
    return result;
  }

  /** Outbox rows for the events each webhook selected; the body is fixed now so every attempt sends the same bytes. */
  private plan(webhooks: WebhookRecord[], events: StoredEvent[]): DeliveryRecord[] {
    const now = this.options.clock.now();
    const out: DeliveryRecord[] = [];
    for (const e of events) {
      for (const w of webhooks) {
        if (e.seq <= w.afterSeq || !matchesEventType(w.events, e.type)) continue;
        const id = newId('whd');
        const body = JSON.stringify({
          id: e.id,
          type: e.type,
          at: new Date(e.at).toISOString(),
          moduleId: e.moduleId,
          subject: e.subject,
          data: e.data,
          webhookId: w.id,
          deliveryId: id,
        });
        out.push({
          id,
          webhookId: w.id,
          eventSeq: e.seq,
          eventType: e.type,
          body,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          lastStatusCode: null,
          lastError: null,
          createdAt: now,
          deliveredAt: null,
        });
      }
    }
    return out;
  }

  /** One HTTP attempt of a claimed delivery; null when another dispatcher had claimed it. */
  private async attempt(w: WebhookRecord, d: DeliveryRecord): Promise<boolean | null> {
    const now = this.options.clock.now();
    // The claim lasts past the request timeout: a dispatcher that dies mid-request leaves the delivery due again.
    if (d.nextAttemptAt === null || !(await this.store.claim(d.id, d.nextAttemptAt, now + this.timeoutMs + 60_000)))
      return null;
    const attempt = d.attempts + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.fetchFn(w.url, {
        method: 'POST',
        // Redirects are not followed: a receiver cannot bounce a signed delivery to another (internal) address.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Licensor-Webhooks/0.1',
          'licensor-event': d.eventType,
          'licensor-event-id': `evt_${d.eventSeq}`,
          'licensor-delivery': d.id,
          'licensor-delivery-attempt': String(attempt),
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(w.secret, d.body, now),
        },
        body: d.body,
      });
      statusCode = res.status;
      await res.body?.cancel().catch(() => {});
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      error = describeFetchError(err, this.timeoutMs);
    }
    const durationMs = Math.round(performance.now() - started);
    const at = this.options.clock.now();
    const ok = error === null;
    const last = !ok && attempt >= this.policy.maxAttempts;
    const nextRetryAt = ok || last ? null : at + retryDelayMs(attempt, this.policy, this.options.random);
    try {
      await this.store.recordAttempt(
        d.id,
        { attempt, at, statusCode, error, durationMs, nextRetryAt },
        {
          status: ok ? 'delivered' : last ? 'failed' : 'pending',
          attempts: attempt,
          nextAttemptAt: nextRetryAt,
          lastStatusCode: statusCode,
          lastError: error,
          deliveredAt: ok ? at : null,
        },
      );
    } catch (err) {
      // The webhook was removed while its request was in flight: its outbox is gone, there is nothing to record.
      if (!(await this.store.get(w.id))) return null;
      throw err;
    }
    if (last)
      this.options.log?.warn(
        { webhookId: w.id, deliveryId: d.id, event: `evt_${d.eventSeq}`, attempts: attempt, error },
        'webhook delivery given up',
      );
    return ok;
  }
}

/** A readable reason for a failed request: timeout, refused connection, DNS failure. */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (e?.cause?.code) return `${e.cause.code}${e.cause.message ? `: ${e.cause.message}` : ''}`;
  return e?.message ?? String(err);
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function runBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
