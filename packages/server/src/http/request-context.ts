import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Outcome } from '@licensor/protocol';
import type { AuditActor, TokenRecord } from '../store/store.js';
import { HttpFailure } from '../transport/error-mapping.js';

declare module 'fastify' {
  interface FastifyRequest {
    token: TokenRecord | null;
    idem: { tokenId: string; key: string; fingerprint: string } | null;
    /** True once the answer for this request's Idempotency-Key has been recorded. */
    idemRecorded: boolean;
  }
  interface FastifyInstance {
    /** Every route registered on the app: method and URL pattern. */
    routeList: readonly { method: string; url: string }[];
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent = public. */
    roles?: ('admin' | 'app' | 'node')[];
    /** The route other processes of the deployment call, signed with the cluster secret instead of a token. */
    cluster?: boolean;
  }
}

/** Unwraps an outcome or throws it as an HTTP failure for the error handler. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new HttpFailure(outcome);
  return outcome.value;
}

/** Who is acting, for events and audit: the token's name and id. */
export function actor(req: FastifyRequest): string {
  return req.token ? `${req.token.name} (${req.token.id})` : 'anonymous';
}

/** Who is acting, for the audit log: the token's id and name. */
export function auditActor(req: FastifyRequest): AuditActor {
  return req.token ? { tokenId: req.token.id, name: req.token.name } : { tokenId: null, name: 'anonymous' };
}

/** Sends an outcome as JSON with a status for success. */
export function send<T>(
  reply: FastifyReply,
  outcome: Outcome<T>,
  status = 200,
  view: (v: T) => unknown = (v) => v,
): unknown {
  const value = unwrap(outcome);
  reply.code(status);
  return view(value);
}
