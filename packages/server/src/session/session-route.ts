import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { LicensorNode } from '../node/licensor-node.js';
import { SdkSession } from './sdk-session.js';
import { SessionRegistry } from './session-registry.js';

/** `GET /v1/session`: the SDK's persistent, multiplexed WebSocket session. */
export function sessionRoute(app: FastifyInstance, node: LicensorNode): void {
  const registry = new SessionRegistry(node);
  app.get(
    '/v1/session',
    {
      websocket: true,
      config: { roles: ['app', 'admin'] },
      schema: { summary: 'WebSocket session for the SDK: multiplexed requests and pushed notices (see session-messages.ts)', tags: ['sessions'], hide: false },
    },
    (socket: WebSocket) => {
      new SdkSession(node, registry, socket).start();
    },
  );
}
