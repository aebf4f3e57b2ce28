import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/token-service.js';
import type { WebSocket } from 'ws';
import { HttpFailure } from '../http/error-mapping.js';
import type { LicensorNode } from '../node/licensor-node.js';
import { SdkSession } from './sdk-session.js';
import { SessionRegistry } from './session-registry.js';

/** `GET /v1/session`: the SDK's persistent, multiplexed WebSocket session. */
export function sessionRoute(app: FastifyInstance, node: LicensorNode, tokens: TokenService): void {
  const registry = new SessionRegistry(node);
  app.route({
    method: 'GET',
    url: '/v1/session',
    config: { roles: ['app', 'admin'] },
    schema: { summary: 'WebSocket session for the SDK: multiplexed requests and pushed notices (see session-messages.ts)', tags: ['sessions'], hide: false },
    // A plain HTTP request (no Upgrade) gets a problem+json answer like any other rejection, not an empty 404.
    handler: async () => {
      throw new HttpFailure({ code: 'VALIDATION_FAILED', message: 'GET /v1/session is a WebSocket endpoint: connect with Upgrade: websocket' });
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const header = req.headers.authorization;
      const query = (req.query as Record<string, unknown> | undefined)?.token;
      const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof query === 'string' ? query : '';
      // The token is checked at the upgrade; a long-lived session re-checks it so a revoked token stops working.
      const stillAuthorized = async () => (await tokens.authenticate(secret)) !== null;
      new SdkSession(node, registry, socket, stillAuthorized).start();
    },
  });
}
