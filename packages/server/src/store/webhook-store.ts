import type { NewAuditRecord, StoredEvent } from './store.js';

/** A registered webhook endpoint. The secret is kept as given: the node needs it to sign every delivery. */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Event types it receives: exact names, `prefix.*` or `*`. */
  events: string[];
  secret: string;
  description: string | null;
  /** Only events after this sequence number are delivered (the feed's head when the webhook was created). */
  afterSeq: number;
  createdAt: number;
}

/** Where a delivery stands: `pending` (due at `nextAttemptAt`), `delivered` (a 2xx answer), `failed` (gave up). */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event to be POSTed to one webhook; the body is fixed at enqueue time so every attempt sends the same bytes. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventSeq: number;
  eventType: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

/** One HTTP attempt of a delivery, as the delivery log shows it. */
export interface AttemptRecord {
  attempt: number;
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** When the next attempt is due; null when this one delivered or was the last. */
  nextRetryAt: number | null;
}

/** A delivery with its attempts, newest delivery first. */
export interface DeliveryLogEntry extends Omit<DeliveryRecord, 'body'> {
  log: AttemptRecord[];
}

/**
 * Webhook endpoints and their outbox. Deliveries are enqueued from a durable cursor over the events feed, so an
 * event committed by any writer (group commit, billing, license install, another process on the same store) is
 * delivered even when the node restarts between the commit and the dispatch.
 */
export interface WebhookStore {
  /** Stores a webhook (its `afterSeq` set to the feed's head inside the same transaction) with its audit entry. */
  create(w: Omit<WebhookRecord, 'afterSeq'>, audit: NewAuditRecord): Promise<WebhookRecord>;
  get(id: string): Promise<WebhookRecord | null>;
  list(): Promise<WebhookRecord[]>;
  /** Deletes a webhook and its outbox; false when there was none. */
  remove(id: string, audit: NewAuditRecord): Promise<boolean>;
  /**
   * In one transaction: reads up to `limit` events after the dispatch cursor, asks `plan` which deliveries they make,
   * stores those and moves the cursor past the events read. Returns how many events were read.
   */
  enqueue(limit: number, plan: (webhooks: WebhookRecord[], events: StoredEvent[]) => DeliveryRecord[]): Promise<number>;
  /** Pending deliveries due at `now`, oldest first. */
  due(now: number, limit: number): Promise<DeliveryRecord[]>;
  /** Takes a due delivery for one attempt by moving `nextAttemptAt` to `until`; false when another dispatcher took it. */
  claim(id: string, expectedNextAttemptAt: number, until: number): Promise<boolean>;
  /** Records one attempt and the delivery's new state, in one transaction. */
  recordAttempt(
    id: string,
    attempt: AttemptRecord,
    next: Pick<
      DeliveryRecord,
      'status' | 'attempts' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
    >,
  ): Promise<void>;
  /** A webhook's deliveries newest first (before a cursor: a delivery's `eventSeq`), each with its attempts. */
  deliveries(
    webhookId: string,
    q: { before: number | null; limit: number; status?: DeliveryStatus },
  ): Promise<DeliveryLogEntry[]>;
  /** Delivery counts per status for a webhook. */
  counts(webhookId: string): Promise<Record<DeliveryStatus, number>>;
}
