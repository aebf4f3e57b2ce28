import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';

/**
 * preValidation hook of routes whose body is optional: a request without a body (`curl -X POST` with no `-d`) is
 * validated as `{}`. JSON Schema has no "optional body", so `Type.Optional` around the body schema alone rejects it.
 */
export async function emptyBodyAsObject(req: FastifyRequest): Promise<void> {
  if (req.body === undefined || req.body === null) req.body = {};
}

/** Problem+json answers of a route, by status (the Problem schema is registered on the app as `Problem`). */
export function errors(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) out[s] = Type.Ref('Problem');
  return out;
}
