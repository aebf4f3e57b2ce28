import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every webhook delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'licensor-signature';

/** How far a delivery's `t` may be from the receiver's clock before it is refused as a replay (5 minutes). */
export const WEBHOOK_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** Options of `verifyWebhookSignature`. */
export interface VerifyWebhookOptions {
  /** The receiver's time in ms since the epoch (default: `Date.now()`). */
  now?: number;
  /** Largest distance between `t` and `now` accepted (default `WEBHOOK_SIGNATURE_TOLERANCE_MS`). */
  toleranceMs?: number;
}

function hmac(secret: string, t: number, body: string | Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

/** The `licensor-signature` header value for a body sent at `nowMs` (the node's side). */
export function signWebhookBody(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, t, body).toString('hex')}`;
}

/**
 * True when `header` (the `licensor-signature` value) signs `body` with `secret` at a time within the tolerance.
 * `body` must be the raw bytes as received, before any JSON parsing: a re-serialized body does not verify. Several
 * `v1=` values may be present (any one matching is enough); comparison is in constant time.
 */
export function verifyWebhookSignature(
  header: string | readonly string[] | undefined,
  body: string | Uint8Array,
  secret: string,
  options: VerifyWebhookOptions = {},
): boolean {
  // An empty secret would let anyone sign: that is a misconfigured receiver, not a bad delivery.
  if (typeof secret !== 'string' || secret.length === 0)
    throw new TypeError('webhook secret must be a non-empty string');
  if (header === undefined) return false;
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of (typeof header === 'string' ? header : header.join(',')).split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  const now = options.now ?? Date.now();
  const tolerance = options.toleranceMs ?? WEBHOOK_SIGNATURE_TOLERANCE_MS;
  if (t === null || sigs.length === 0 || Math.abs(now - t * 1000) > tolerance) return false;
  const expected = hmac(secret, t, body);
  return sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
