import { randomBytes } from 'node:crypto';
import { fail, newId, ok, type Outcome } from '@licensor/protocol';
import type { Clock } from '../time/clock.js';
import type { AuditActor } from '../store/store.js';
import type { DeliveryLogEntry, DeliveryStatus, WebhookRecord, WebhookStore } from '../store/webhook-store.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { validateWebhook } from './validate-webhook.js';

/** A webhook as the API lists it: never its secret. */
export interface WebhookView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: number;
  deliveries: Record<DeliveryStatus, number>;
}

/** The answer to a registration: the only time the secret is shown. */
export interface CreatedWebhook extends WebhookView {
  secret: string;
}

/** A page of a webhook's delivery log, newest first. */
export interface DeliveryLogPage {
  webhookId: string;
  deliveries: (Omit<DeliveryLogEntry, 'nextAttemptAt'> & { nextRetryAt: number | null })[];
  /** Pass as `before` for the next (older) page; null at the end. */
  nextCursor: number | null;
}

/** Registers, lists and removes webhooks (admin API), and reads their delivery log. */
export class WebhookService {
  constructor(
    private readonly store: WebhookStore,
    private readonly clock: Clock,
    private readonly dispatcher: WebhookDispatcher | null,
  ) {}

  /** Registers an endpoint; a secret is generated unless one is given. Events after this moment are delivered. */
  async create(input: Record<string, unknown>, actor: AuditActor): Promise<Outcome<CreatedWebhook>> {
    const v = validateWebhook(input);
    if (!v.ok) return v;
    const now = this.clock.now();
    const secret = v.value.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const id = newId('whk');
    const w = await this.store.create(
      { id, url: v.value.url, events: v.value.events, secret, description: v.value.description, createdAt: now },
      {
        id: newId('aud'),
        at: now,
        actor,
        action: 'webhook.created',
        target: id,
        details: { url: v.value.url, events: v.value.events, secretGiven: v.value.secret !== null },
      },
    );
    await this.dispatcher?.refresh();
    return ok({ ...(await this.view(w)), secret });
  }

  /** Every webhook. */
  async list(): Promise<WebhookView[]> {
    return Promise.all((await this.store.list()).map((w) => this.view(w)));
  }

  /** One webhook. */
  async get(id: string): Promise<Outcome<WebhookView>> {
    const w = await this.store.get(id);
    return w ? ok(await this.view(w)) : notFound(id);
  }

  /** Removes a webhook with its pending deliveries and log. */
  async remove(id: string, actor: AuditActor): Promise<Outcome<{ deleted: true }>> {
    const now = this.clock.now();
    const w = await this.store.get(id);
    if (!w) return notFound(id);
    const gone = await this.store.remove(id, {
      id: newId('aud'),
      at: now,
      actor,
      action: 'webhook.deleted',
      target: id,
      details: { url: w.url },
    });
    await this.dispatcher?.refresh();
    return gone ? ok({ deleted: true }) : notFound(id);
  }

  /** The delivery log: one row per event, each with its attempts (status code, error, next retry). */
  async deliveries(
    id: string,
    q: { before?: number; limit: number; status?: DeliveryStatus },
  ): Promise<Outcome<DeliveryLogPage>> {
    if (!(await this.store.get(id))) return notFound(id);
    const rows = await this.store.deliveries(id, {
      before: q.before ?? null,
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
    });
    return ok({
      webhookId: id,
      deliveries: rows.map(({ nextAttemptAt, ...d }) => ({
        ...d,
        nextRetryAt: d.status === 'pending' ? nextAttemptAt : null,
      })),
      nextCursor: rows.length === q.limit ? (rows.at(-1)?.eventSeq ?? null) : null,
    });
  }

  private async view(w: WebhookRecord): Promise<WebhookView> {
    return {
      id: w.id,
      url: w.url,
      events: w.events,
      description: w.description,
      createdAt: w.createdAt,
      deliveries: await this.store.counts(w.id),
    };
  }
}

function notFound(id: string) {
  return fail('NOT_FOUND', `no webhook ${id}`, { field: 'id' });
}
