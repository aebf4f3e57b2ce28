import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, EventTypes, Nullable } from './common.js';

/** An event of the feed (`GET /v1/events`, `GET /v1/events/stream`). */
export const FeedEvent = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    type: Type.String(),
    moduleId: Nullable(Type.Integer()),
    subject: Nullable(Type.String()),
    data: Nullable(Type.Record(Type.String(), Type.Unknown())),
    at: EpochMs,
  },
  closed,
);
/** An event of the feed. */
export type FeedEvent = Static<typeof FeedEvent>;

/** Query of `GET /v1/events`. */
export const EventsQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  type: Type.Optional(EventTypes),
  moduleId: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** `GET /v1/events`: a page oldest first; `nextCursor` continues the feed. */
export const EventsAnswer = Type.Object({ events: Type.Array(FeedEvent), nextCursor: Type.Integer() }, closed);
/** `GET /v1/events`. */
export type EventsAnswer = Static<typeof EventsAnswer>;

/** Query of `GET /v1/events/stream` (server-sent events; each `data:` line is a FeedEvent). */
export const EventStreamQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  type: Type.Optional(EventTypes),
  moduleId: Type.Optional(Type.Integer({ minimum: 1 })),
});

/** An admin action of the audit log. */
export const AuditEntry = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    at: EpochMs,
    actor: Type.Object({ tokenId: Nullable(Type.String()), name: Type.String() }, closed),
    action: Type.String(),
    target: Nullable(Type.String()),
    details: Nullable(Type.Record(Type.String(), Type.Unknown())),
  },
  closed,
);
/** An admin action of the audit log. */
export type AuditEntry = Static<typeof AuditEntry>;

/** Query of `GET /v1/audit`. */
export const AuditQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});

/** `GET /v1/audit`. */
export const AuditAnswer = Type.Object({ entries: Type.Array(AuditEntry), nextCursor: Type.Integer() }, closed);
/** `GET /v1/audit`. */
export type AuditAnswer = Static<typeof AuditAnswer>;
