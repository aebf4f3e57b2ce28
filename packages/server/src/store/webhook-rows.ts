import type { Row } from './store-rows.js';
import type { AttemptRecord, DeliveryRecord, DeliveryStatus, WebhookRecord } from './webhook-store.js';

/** A webhooks row as a WebhookRecord. */
export function toWebhook(r: Row): WebhookRecord {
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

/** A webhook_deliveries row as a DeliveryRecord. */
export function toDelivery(r: Row): DeliveryRecord {
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

/** A webhook_attempts row as an AttemptRecord. */
export function toAttempt(r: Row): AttemptRecord {
  return {
    attempt: r.attempt as number,
    at: r.at as number,
    statusCode: (r.status_code as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    durationMs: r.duration_ms as number,
    nextRetryAt: (r.next_retry_at as number | null) ?? null,
  };
}
