import type { IncomingHttpHeaders } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Content type of the pool operations processes send each other (JSON, signed as sent). */
export const CLUSTER_CONTENT_TYPE = 'application/x-licensor-cluster';
/** Header carrying the HMAC of a request (its time and body), or of an answer (the request's signature and its body). */
export const CLUSTER_SIGNATURE_HEADER = 'licensor-cluster-signature';
/** Header carrying when the request was signed (epoch ms): a captured request is refused once it is old. */
export const CLUSTER_TIME_HEADER = 'licensor-cluster-time';
/** How far a request's signing time may be from the receiver's clock. */
export const CLUSTER_CLOCK_SKEW_MS = 30_000;
/** Where the owner of a pool takes the operations other processes forward. */
export const POOL_OPS_PATH = '/internal/v1/pool-ops';

/** HMAC-SHA256 of `text` with the deployment's cluster secret, hex. */
function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** True when `signature` is the HMAC of `text` (compared in constant time). */
function valid(secret: string, text: string, signature: string): boolean {
  const expected = Buffer.from(hmac(secret, text), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The headers of a forwarded request with `body`, signed now; `signature` is what its answer must be signed over. */
export function signRequest(secret: string, body: string, now: number) {
  const time = String(now);
  const signature = hmac(secret, `${time}\n${body}`);
  const headers = {
    'content-type': CLUSTER_CONTENT_TYPE,
    [CLUSTER_SIGNATURE_HEADER]: signature,
    [CLUSTER_TIME_HEADER]: time,
  };
  return { headers, signature };
}

/**
 * Checks a forwarded request: signed with the secret over its time and body, and signed within the allowed skew of
 * `now` (a captured request replayed later is refused). Returns its signature, or why it is refused.
 */
export function checkRequest(
  secret: string,
  body: string,
  headers: IncomingHttpHeaders,
  now: number,
): { signature: string } | { refused: string } {
  const signature = headers[CLUSTER_SIGNATURE_HEADER];
  const time = headers[CLUSTER_TIME_HEADER];
  if (typeof signature !== 'string' || typeof time !== 'string' || !valid(secret, `${time}\n${body}`, signature))
    return { refused: `${CLUSTER_SIGNATURE_HEADER} is missing or not signed with this deployment's cluster secret` };
  if (!(Math.abs(now - Number(time)) <= CLUSTER_CLOCK_SKEW_MS))
    return {
      refused: `${CLUSTER_TIME_HEADER} is more than ${CLUSTER_CLOCK_SKEW_MS / 1000} s from this process's clock`,
    };
  return { signature };
}

/** The signature of an answer `body` to the request signed `requestSignature`. */
export function signAnswer(secret: string, requestSignature: string, body: string): string {
  return hmac(secret, `${requestSignature}\n${body}`);
}

/** True when `signature` signs the answer `body` to the request signed `requestSignature`. */
export function validAnswer(secret: string, requestSignature: string, body: string, signature: string): boolean {
  return valid(secret, `${requestSignature}\n${body}`, signature);
}
