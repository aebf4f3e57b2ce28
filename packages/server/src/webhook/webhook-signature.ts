import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header every delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'licensor-signature';

/** Default tolerance of `verifyWebhookSignature`: a signature older (or newer) than this is refused as a replay. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

/** The hex HMAC-SHA256 of `"<t>.<body>"` under the webhook's secret. */
export function webhookHmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

/** The `licensor-signature` header value for a body sent at `nowMs`. */
export function signWebhookBody(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${webhookHmac(secret, t, body)}`;
}

/**
 * What a receiver does with a delivery: recompute the HMAC over the raw body bytes as received and compare in
 * constant time, and refuse timestamps outside the tolerance (replays). Several `v1=` values may be present.
 */
export function verifyWebhookSignature(header: string | undefined, body: string, secret: string, nowMs: number, toleranceMs = DEFAULT_SIGNATURE_TOLERANCE_MS): boolean {
  if (!header) return false;
  let t: number | null = null;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === null || sigs.length === 0 || Math.abs(nowMs - t * 1000) > toleranceMs) return false;
  const expected = Buffer.from(webhookHmac(secret, t, body), 'hex');
  return sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
