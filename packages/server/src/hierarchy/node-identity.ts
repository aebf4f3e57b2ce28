import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { formatPublicKey, newId, rawPublicKey } from '@licensor/protocol';
import type { Store } from '../store/store.js';

/** A node's own identity in an enterprise tree: its id and the Ed25519 key it signs allocations with. */
export interface NodeIdentity {
  nodeId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** `ed25519:<base64url>`, as children pin it. */
  publicKeyText: string;
}

const ID_KEY = 'node.id';
const PRIVATE_KEY = 'node.private_key';
const CANDIDATE_KEY = 'node.identity';

/**
 * Loads the node's identity from its store, creating it on first start. The key lives with the node's data: a
 * node moved to new hardware keeps signing as itself, while its licenses stay bound to the hardware key.
 */
export async function loadNodeIdentity(store: Store): Promise<NodeIdentity> {
  let nodeId = await store.getMeta(ID_KEY);
  let pem = await store.getMeta(PRIVATE_KEY);
  if (!nodeId || !pem) {
    const pair = generateKeyPairSync('ed25519');
    const mine = { nodeId: newId('node'), pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
    // Processes starting together on a shared store each make a candidate; the first one stored is everyone's.
    const won = JSON.parse(await store.initMeta(CANDIDATE_KEY, JSON.stringify(mine))) as typeof mine;
    nodeId = won.nodeId;
    pem = won.pem;
    await store.setMeta(PRIVATE_KEY, pem);
    await store.setMeta(ID_KEY, nodeId);
    // Processes starting together on one shared store may both have written: every one uses what the store kept.
    nodeId = (await store.getMeta(ID_KEY)) ?? nodeId;
    pem = (await store.getMeta(PRIVATE_KEY)) ?? pem;
  }
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  return { nodeId, privateKey, publicKey, publicKeyText: formatPublicKey(rawPublicKey(publicKey)) };
}
