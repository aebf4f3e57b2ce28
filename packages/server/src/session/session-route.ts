import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerSecret } from '../auth/bearer-secret.js';
import type { TokenService } from '../auth/token-service.js';
import { Type } from '@sinclair/typebox';
import type { WebSocket } from 'ws';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS, SessionCounter } from '../transport/connection-limits.js';
import { HttpFailure } from '../transport/error-mapping.js';
import { errors } from '../transport/schemas.js';
import type { StoreHealth } from '../transport/store-health.js';
import { SdkSession } from './sdk-session.js';
import { SessionRegistry } from './session-registry.js';
import type { SessionServices } from './session-services.js';

/** How often open sessions' tokens are checked again, idle sessions included: a revoked token's sessions close within this (plus the token cache's 2 s). */
export const SESSION_TOKEN_CHECK_MS = 1000;

/** `GET /v1/session`: the SDK's persistent, multiplexed WebSocket session. */
export function sessionRoute(
  app: FastifyInstance,
  node: SessionServices,
  tokens: TokenService,
  limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
  health?: StoreHealth,
): void {
  const registry = new SessionRegistry(node);
  const counter = new SessionCounter(limits);
  /** Open sessions by the secret they were opened with. */
  const open = new Map<SdkSession, string>();
  let checking = false;
  const sweep = setInterval(() => {
    if (checking || open.size === 0) return;
    checking = true;
    const secrets = new Set(open.values());
    Promise.all(
      [...secrets].map(async (secret) => {
        if ((await tokens.authenticate(secret).catch(() => undefined)) !== null) return;
        for (const [s, sec] of open) if (sec === secret) s.revoke();
      }),
    ).finally(() => {
      checking = false;
    });
  }, SESSION_TOKEN_CHECK_MS);
  sweep.unref();
  app.addHook('onClose', (_app, done) => {
    clearInterval(sweep);
    done();
  });
  const refuse = (req: FastifyRequest) => counter.refusal(req.ip, req.token?.id ?? '');
  app.route({
    method: 'GET',
    url: '/v1/session',
    config: { roles: ['app', 'admin'] },
    schema: {
      summary: 'WebSocket session for the SDK: multiplexed requests and pushed notices (see session-messages.ts)',
      tags: ['sessions'],
      hide: false,
      querystring: Type.Object(
        {
          token: Type.Optional(
            Type.String({
              maxLength: 200,
              description: 'the API token, for browsers that cannot send headers on a WebSocket',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      // The upgrade is not JSON (NON_JSON_ROUTES in response-contract.ts); a plain GET is refused with a problem.
      response: errors(400),
    },
    // Over a cap the upgrade is refused with 429 CONNECTION_LIMIT before it happens.
    preHandler: (req, reply, done) => {
      const why = refuse(req);
      if (!why) return done();
      reply.header('retry-after', '5');
      done(new HttpFailure({ code: 'CONNECTION_LIMIT', message: why }));
    },
    // A plain HTTP request (no Upgrade) gets a problem+json answer like any other rejection, not an empty 404.
    handler: async () => {
      throw new HttpFailure({
        code: 'VALIDATION_FAILED',
        message: 'GET /v1/session is a WebSocket endpoint: connect with Upgrade: websocket',
      });
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      // Upgrades in flight together passed the check above together: count again now that this one is open.
      const why = refuse(req);
      if (why) return void socket.close(4429, why.slice(0, 120));
      const header = req.headers.authorization;
      const query = (req.query as Record<string, unknown> | undefined)?.token;
      const secret = bearerSecret(header) ?? (typeof query === 'string' ? query : '');
      const counted = counter.open(req.ip, req.token?.id ?? '');
      // The token is checked at the upgrade; a long-lived session re-checks it so a revoked token stops working.
      const stillAuthorized = async () => (await tokens.authenticate(secret)) !== null;
      const session = new SdkSession(node, registry, socket, stillAuthorized, (err) => health?.noteError(err));
      open.set(session, secret);
      socket.once('close', () => {
        open.delete(session);
        counted();
      });
      session.start();
    },
  });
}
