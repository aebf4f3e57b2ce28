import { IdParams, TokenCreateBody, TokenCreated, TokenRevoked, TokensAnswer } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../../auth/token-service.js';
import type { Clock } from '../../time/clock.js';
import { HttpFailure } from '../../transport/error-mapping.js';
import { auditActor } from '../request-context.js';
import { errors } from '../../transport/schemas.js';

/** API token management; a secret is returned once, at creation. */
export function tokenRoutes(app: FastifyInstance, clock: Clock, tokens: TokenService): void {
  const view = (t: { id: string; name: string; role: string; createdAt: number; revokedAt: number | null }) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: t.createdAt,
    revokedAt: t.revokedAt,
  });

  app.post<{ Body: { role: 'admin' | 'app' | 'node'; name: string } }>(
    '/v1/tokens',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Create an API token; the secret is in this answer only',
        tags: ['tokens'],
        body: TokenCreateBody,
        response: { 201: TokenCreated },
      },
    },
    async (req, reply) => {
      const { token, secret } = await tokens.create(req.body.role, req.body.name, clock.now(), auditActor(req));
      reply.code(201);
      return { ...view(token), secret };
    },
  );

  app.get(
    '/v1/tokens',
    {
      config: { roles: ['admin'] },
      schema: { summary: 'List tokens (never their secrets)', tags: ['tokens'], response: { 200: TokensAnswer } },
    },
    async () => ({
      tokens: (await tokens.list()).map(view),
    }),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/tokens/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Revoke a token',
        tags: ['tokens'],
        params: IdParams,
        response: { 200: TokenRevoked, ...errors(404) },
      },
    },
    async (req) => {
      if (!(await tokens.revoke(req.params.id, clock.now(), auditActor(req))))
        throw new HttpFailure({ code: 'NOT_FOUND', message: `no live token ${req.params.id}`, field: 'id' });
      return { revoked: true as const };
    },
  );
}
