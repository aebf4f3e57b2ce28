import { fail, ok, type Outcome } from '@licensor/protocol';
import { EVENT_PATTERN } from './event-type-match.js';

/** Events a webhook receives when it names none: the billing and rental notifications. */
export const DEFAULT_WEBHOOK_EVENTS = ['license.expiring', 'license.renewed', 'license.lapsed', 'billing.topped_up'];

/** A webhook registration after validation. */
export interface WebhookInput {
  url: string;
  events: string[];
  secret: string | null;
  description: string | null;
}

/**
 * Checks a webhook registration. URLs must be absolute http(s) without credentials or fragment: other schemes
 * (file:, data:, gopher:, …) would let a registration reach things that are not webhook receivers.
 */
export function validateWebhook(input: {
  url?: unknown;
  events?: unknown;
  secret?: unknown;
  description?: unknown;
}): Outcome<WebhookInput> {
  const url = validateWebhookUrl(input.url);
  if (!url.ok) return url;
  let events = DEFAULT_WEBHOOK_EVENTS;
  if (input.events !== undefined) {
    if (!Array.isArray(input.events) || input.events.length === 0 || input.events.length > 50)
      return fail('VALIDATION_FAILED', 'events must list 1 to 50 event types', { field: 'events' });
    for (const [i, e] of input.events.entries()) {
      if (typeof e !== 'string' || e.length > 100 || !EVENT_PATTERN.test(e)) {
        return fail(
          'VALIDATION_FAILED',
          `events.${i} must be an event type such as license.renewed, a prefix such as license.*, or *; got ${JSON.stringify(e)}`,
          { field: `events.${i}` },
        );
      }
    }
    events = [...new Set(input.events as string[])];
  }
  let secret: string | null = null;
  if (input.secret !== undefined) {
    if (typeof input.secret !== 'string' || !/^[\x21-\x7e]{16,200}$/.test(input.secret))
      return fail('VALIDATION_FAILED', 'secret must be 16 to 200 printable ASCII characters without spaces', {
        field: 'secret',
      });
    secret = input.secret;
  }
  let description: string | null = null;
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > 200)
      return fail('VALIDATION_FAILED', 'description must be at most 200 characters', { field: 'description' });
    description = input.description;
  }
  return ok({ url: url.value, events, secret, description });
}

/** An absolute http:// or https:// URL with a host, no user:password@ and no #fragment. */
export function validateWebhookUrl(value: unknown): Outcome<string> {
  const refuse = (why: string) => fail('WEBHOOK_URL_INVALID', `url ${why}`, { field: 'url' });
  if (typeof value !== 'string' || value.length === 0) return refuse('is required');
  if (value.length > 2000) return refuse('is longer than 2000 characters');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return refuse(`${JSON.stringify(value)} is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return refuse(`must use http or https, not ${u.protocol.replace(/:$/, '')}`);
  if (!u.hostname) return refuse('has no host');
  if (u.username || u.password)
    return refuse('must not carry credentials (user:password@); authenticate deliveries by their signature');
  if (u.hash) return refuse('must not have a #fragment');
  return ok(u.toString());
}
