import { randomBytes } from 'node:crypto';
import type { ClusterEndpoint } from '../http/routes/cluster-routes.js';
import { PeerClient } from '../http/peer-client.js';
import type { LicensorNode } from '../node/licensor-node.js';
import type { AdmissionApi } from '../node/pool-ops.js';
import { PoolRouter } from '../node/pool-router.js';
import { listeningUrl } from './tls-and-listen.js';

/** A process's part in a deployment of several on one shared store: its router, the owner's endpoint, its peers. */
export interface ClusterNode {
  admission: AdmissionApi;
  endpoint: ClusterEndpoint | undefined;
  /** Records where this process listens, once it does (pools taken before are announced then). */
  listening(url: string): Promise<void>;
  close(): void;
}

/**
 * Wires pool-operation forwarding on a shared store (alone on its store, the node's own Admission serves). The cluster
 * secret is made by the first process and kept in the store: every process that can open the store can forward, and
 * nothing else can.
 */
export async function clusterNode(node: LicensorNode, tlsCert: Buffer | null): Promise<ClusterNode> {
  const ownership = node.ownership;
  if (!ownership)
    return { admission: node.admission, endpoint: undefined, listening: async () => undefined, close: () => undefined };
  const secret = await node.store.initMeta('cluster.secret', randomBytes(32).toString('hex'));
  const peers = new PeerClient(secret, tlsCert ? tlsCert.toString('utf8') : null);
  const router = new PoolRouter(
    node.admission,
    ownership,
    peers,
    (moduleId) => node.pools.all.has(moduleId),
    async (record) => {
      await node.runner.committer.submit({ changes: [], events: [], idempotency: [record], audit: [] });
    },
  );
  return {
    admission: router,
    endpoint: { router, secret },
    listening: (url) => ownership.listening(url),
    close: () => peers.close(),
  };
}

/** The URL other processes reach this one at: `--advertise-url`, else the listening one (a wildcard as loopback). */
export function advertisedUrl(advertise: string | null, secure: boolean, host: string, port: number): string {
  if (advertise) return advertise.replace(/\/$/, '');
  return listeningUrl(secure, host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port);
}
