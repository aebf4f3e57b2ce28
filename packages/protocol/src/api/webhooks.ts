import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Nullable } from './common.js';

const DeliveryStatusSchema = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

/** Body of `POST /v1/webhooks`: field checks live in the service, so a bad URL gets WEBHOOK_URL_INVALID. */
export const WebhookCreateBody = Type.Object(
  {
    url: Type.Unknown(),
    events: Type.Optional(Type.Unknown()),
    secret: Type.Optional(Type.Unknown()),
    description: Type.Optional(Type.Unknown()),
  },
  closed,
);
/** Query of the delivery log. */
export const DeliveriesQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'nextCursor of the previous page' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  status: Type.Optional(DeliveryStatusSchema),
});

const webhookFields = {
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  createdAt: EpochMs,
  deliveries: Type.Object({ pending: Type.Integer(), delivered: Type.Integer(), failed: Type.Integer() }, closed),
};

/** A webhook as listed: never its secret. */
export const WebhookView = Type.Object(webhookFields, closed);
/** A webhook as listed. */
export type WebhookView = Static<typeof WebhookView>;

/** `POST /v1/webhooks`: the webhook and its secret, shown this once. */
export const WebhookCreated = Type.Object({ ...webhookFields, secret: Type.String() }, closed);
/** `POST /v1/webhooks`. */
export type WebhookCreated = Static<typeof WebhookCreated>;

/** `GET /v1/webhooks`. */
export const WebhooksAnswer = Type.Object({ webhooks: Type.Array(WebhookView) }, closed);
/** `GET /v1/webhooks`. */
export type WebhooksAnswer = Static<typeof WebhooksAnswer>;

/** `DELETE /v1/webhooks/{id}`. */
export const WebhookDeleted = Type.Object({ deleted: Type.Literal(true) }, closed);

/** One HTTP attempt of a delivery. */
export const DeliveryAttempt = Type.Object(
  {
    attempt: Type.Integer(),
    at: EpochMs,
    statusCode: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
    durationMs: Type.Number(),
    nextRetryAt: Nullable(EpochMs),
  },
  closed,
);

/** One delivery of the log, with its attempts. */
export const DeliveryView = Type.Object(
  {
    id: Type.String(),
    webhookId: Type.String(),
    eventSeq: Type.Integer(),
    eventType: Type.String(),
    status: DeliveryStatusSchema,
    attempts: Type.Integer(),
    nextRetryAt: Nullable(EpochMs),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: EpochMs,
    deliveredAt: Nullable(EpochMs),
    log: Type.Array(DeliveryAttempt),
  },
  closed,
);

/** `GET /v1/webhooks/{id}/deliveries`: newest first; `nextCursor` is the `before` of the next page. */
export const DeliveriesAnswer = Type.Object(
  { webhookId: Type.String(), deliveries: Type.Array(DeliveryView), nextCursor: Nullable(Type.Integer()) },
  closed,
);
/** `GET /v1/webhooks/{id}/deliveries`. */
export type DeliveriesAnswer = Static<typeof DeliveriesAnswer>;
