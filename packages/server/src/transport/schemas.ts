import { ID_MAX_LENGTH, ID_PATTERN } from '@licensor/protocol';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';

/**
 * preValidation hook of routes whose body is optional: a request without a body (`curl -X POST` with no `-d`) is
 * validated as `{}`. JSON Schema has no "optional body", so `Type.Optional` around the body schema alone rejects it.
 */
export async function emptyBodyAsObject(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

/** A module ID. */
export const ModuleId = Type.Integer({ minimum: 1, maximum: 2147483647 });

/** A module ID path parameter. */
export const ModuleParams = Type.Object({ moduleId: ModuleId });

/** An identifier under the one id rule (protocol id-rule.ts): holders, members, nodes, tokens, accounts, webhooks. */
export const Id = Type.String({ minLength: 1, maxLength: ID_MAX_LENGTH, pattern: ID_PATTERN });

/** An opaque identifier chosen by the application (device id, instance id, register id). */
export const HolderId = Id;

/** Module + holder path parameters. */
export const HolderParams = Type.Object({ moduleId: ModuleParams.properties.moduleId, holderId: HolderId });

/** Module + member path parameters. */
export const MemberParams = Type.Object({ moduleId: ModuleParams.properties.moduleId, memberId: HolderId });

/** Comma-separated event types (`slot.acquired,slot.evicted`): past-tense dotted names, so a word that is no event type is refused. */
export const EVENT_TYPES_PATTERN = '^ *[a-z_]+(\\.[a-z_]+)+ *(, *[a-z_]+(\\.[a-z_]+)+ *)*$';

/** An event-type filter. */
export const EventTypes = Type.String({
  maxLength: 500,
  pattern: EVENT_TYPES_PATTERN,
  description: 'comma-separated event types, e.g. slot.acquired,slot.evicted',
});

/** A lease id as the node issued it. */
export const LeaseId = Type.String({ minLength: 1, maxLength: 100 });

/** Features of a profile: module IDs. */
export const Features = Type.Array(ModuleId, { maxItems: 200 });

/**
 * Message bodies shared by the HTTP routes and the SDK session (session-message-schemas.ts adds `id`, `op` and the
 * path parameters): one schema per message, so both doors accept and refuse exactly the same input.
 */
export const AcquireBody = Type.Object({ holderId: HolderId }, { additionalProperties: false });
/** Body of a heartbeat. */
export const HeartbeatBody = Type.Object(
  { leaseId: Type.Optional(LeaseId), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
/** Query of a release. */
export const ReleaseQuery = Type.Object({ leaseId: Type.Optional(LeaseId) }, { additionalProperties: false });
/** Body of a member sync. */
export const MemberSyncBody = Type.Object({ features: Type.Optional(Features) }, { additionalProperties: false });
/** Body of a quota report. */
export const QuotaReportBody = Type.Object(
  { count: Type.Integer({ minimum: 0, maximum: 2147483647 }) },
  { additionalProperties: false },
);
/** Body of a profile check. */
export const ProfileCheckBody = Type.Object({ features: Features }, { additionalProperties: false });
/** A quota operation name. */
export const OperationName = Type.String({ minLength: 1, maxLength: 100 });

/** The problem+json response schema. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    requestId: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'Problem' },
);

/** Standard error responses for documentation. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('Problem');
  return out;
}

/** A lease as the API returns it. */
export const LeaseViewSchema = Type.Object({
  moduleId: Type.Integer(),
  holderId: Type.String(),
  leaseId: Type.String(),
  acquiredAt: Type.Integer(),
  expiresAt: Type.Integer(),
  heartbeatIntervalMs: Type.Integer(),
  reacquired: Type.Boolean(),
  nonProduction: Type.Optional(Type.Boolean()),
});
