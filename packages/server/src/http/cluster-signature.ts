import { createHmac, timingSafeEqual } from 'node:crypto';

/** Content type of the pool operations processes send each other (JSON, signed as sent). */
export const CLUSTER_CONTENT_TYPE = 'application/x-licensor-cluster';
/** Header carrying the HMAC of a request body, or of the request's signature and the answer body. */
export const CLUSTER_SIGNATURE_HEADER = 'licensor-cluster-signature';
/** Header carrying when the request was signed (epoch ms): a captured request is refused once it is old. */
export const CLUSTER_TIME_HEADER = 'licensor-cluster-time';
/** How far a request's signing time may be from the receiver's clock. */
export const CLUSTER_CLOCK_SKEW_MS = 30_000;
/** Where the owner of a pool takes the operations other processes forward. */
export const POOL_OPS_PATH = '/internal/v1/pool-ops';

/** HMAC-SHA256 of `text` with the deployment's cluster secret, hex. */
export function clusterSignature(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** True when `signature` is the HMAC of `text` (compared in constant time). */
export function validClusterSignature(secret: string, text: string, signature: string): boolean {
  const expected = Buffer.from(clusterSignature(secret, text), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What the answer to a request signed `requestSignature` is signed over. */
export function answerSigned(requestSignature: string, body: string): string {
  return `${requestSignature}\n${body}`;
}

/** What a request is signed over: when it was signed, and its body. */
export function requestSigned(time: string, body: string): string {
  return `${time}\n${body}`;
}
