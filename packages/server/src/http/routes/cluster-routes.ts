import type { FastifyInstance } from 'fastify';
import { fail } from '@licensor/protocol';
import type { PeerAnswer, PoolOp } from '../../node/pool-ops.js';
import type { PoolRouter } from '../../node/pool-router.js';
import { HttpFailure } from '../../transport/error-mapping.js';
import {
  CLUSTER_CONTENT_TYPE,
  CLUSTER_SIGNATURE_HEADER,
  checkRequest,
  POOL_OPS_PATH,
  signAnswer,
} from '../cluster-signature.js';
import { parsePoolOps } from './parse-pool-ops.js';

/** What the owner side of forwarding needs: the router that runs the operations and the deployment's secret. */
export interface ClusterEndpoint {
  router: PoolRouter;
  secret: string;
}

/**
 * The owner's end of forwarding: pool operations other processes of the deployment send, signed with the cluster
 * secret (kept in the shared store), answered signed. Not an API route: no token, no rate limit, not in /docs.
 */
export function clusterRoutes(app: FastifyInstance, cluster: ClusterEndpoint): void {
  app.addContentTypeParser(CLUSTER_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // Batches of up to 256 operations (a register profile each, at most): more than the API's body limit.
  const bodyLimit = 8 * 1024 * 1024;
  app.post(POOL_OPS_PATH, { bodyLimit, config: { cluster: true }, schema: { hide: true } }, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const checked = checkRequest(cluster.secret, body, req.headers, Date.now());
    if ('refused' in checked) throw new HttpFailure({ code: 'UNAUTHENTICATED', message: checked.refused });
    const ops = parsePoolOps(body);
    if (!ops.ok) throw new HttpFailure(ops);
    const answers = await Promise.all(ops.value.map((op) => serveOne(cluster.router, op)));
    const text = JSON.stringify({ answers });
    reply
      .type(CLUSTER_CONTENT_TYPE)
      .header(CLUSTER_SIGNATURE_HEADER, signAnswer(cluster.secret, checked.signature, text));
    return text;
  });
}

/** One operation's answer; a failure to commit is the caller's STORE_UNAVAILABLE, as it would be for a local one. */
function serveOne(router: PoolRouter, op: PoolOp): Promise<PeerAnswer> {
  return router.serve(op).catch((err: Error) => ({
    outcome: fail('STORE_UNAVAILABLE', `the process owning the pool could not commit: ${err.message}; retry later`, {
      data: { retryAfterSeconds: 2 },
    }),
  }));
}
