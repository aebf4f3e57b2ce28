import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';

/**
 * preValidation hook of routes whose body is optional: a request without a body (`curl -X POST` with no `-d`) is
 * validated as `{}`. JSON Schema has no "optional body", so `Type.Optional` around the body schema alone rejects it.
 */
export async function emptyBodyAsObject(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

/** A module ID path parameter. */
export const ModuleParams = Type.Object({ moduleId: Type.Integer({ minimum: 1, maximum: 2147483647 }) });

/** An opaque identifier chosen by the application (device id, instance id, register id). */
export const HolderId = Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' });

/** Module + holder path parameters. */
export const HolderParams = Type.Object({ moduleId: ModuleParams.properties.moduleId, holderId: HolderId });

/** Module + member path parameters. */
export const MemberParams = Type.Object({ moduleId: ModuleParams.properties.moduleId, memberId: HolderId });

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
