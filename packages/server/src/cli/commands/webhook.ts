import type { DeliveriesAnswer, WebhookCreated, WebhooksAnswer } from '@licensor/protocol';
import type { Command } from 'commander';
import { call, withNode } from './node-api.js';
import { collect, table } from './shared.js';

type Flags = { url?: string; token?: string; json?: boolean };

const print = (o: Flags, value: unknown, text: string) =>
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
const time = (t: number | null) => (t === null ? '' : new Date(t).toISOString());

/** `licensor webhook add|list|remove|deliveries` against a running node. */
export function registerWebhookCommands(program: Command): void {
  const webhook = program
    .command('webhook')
    .description('webhooks on a running node: events POSTed to your URL, signed with HMAC-SHA256');

  withNode(
    webhook
      .command('add <endpoint>')
      .description('register ENDPOINT (an http or https URL); prints the signing secret once')
      .option(
        '--event <type>',
        'event type, prefix.* or *, repeatable (default: license.expiring, license.renewed, license.lapsed, billing.topped_up)',
        collect,
        [],
      )
      .option('--secret <secret>', 'use this signing secret (16–200 printable characters) instead of a generated one')
      .option('--description <text>', 'a note for people')
      .option('--json', 'print JSON'),
  ).action(async (endpoint: string, o: Flags & { event: string[]; secret?: string; description?: string }) => {
    const body = {
      url: endpoint,
      ...(o.event.length ? { events: o.event } : {}),
      ...(o.secret ? { secret: o.secret } : {}),
      ...(o.description ? { description: o.description } : {}),
    };
    const r = await call<WebhookCreated>(o, 'POST', '/v1/webhooks', body);
    print(
      o,
      r,
      `${r.id}  ${r.url}  events: ${r.events.join(',')}\nsecret: ${r.secret}\n(shown only now: keep it where the receiver can read it)`,
    );
  });

  withNode(
    webhook.command('list').description('list webhooks with their delivery counts').option('--json', 'print JSON'),
  ).action(async (o: Flags) => {
    const r = await call<WebhooksAnswer>(o, 'GET', '/v1/webhooks');
    const rows = [['ID', 'URL', 'EVENTS', 'PENDING', 'DELIVERED', 'FAILED']];
    for (const w of r.webhooks)
      rows.push([
        w.id,
        w.url,
        w.events.join(','),
        String(w.deliveries.pending),
        String(w.deliveries.delivered),
        String(w.deliveries.failed),
      ]);
    print(o, r, table(rows));
  });

  withNode(
    webhook.command('remove <webhookId>').description('remove a webhook with its pending deliveries and log'),
  ).action(async (id: string, o: Flags) => {
    await call<unknown>(o, 'DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
    process.stdout.write(`removed ${id}\n`);
  });

  withNode(
    webhook
      .command('deliveries <webhookId>')
      .description(
        "a webhook's delivery log, newest first: every attempt with its status code or error, and the next retry",
      )
      .option('--status <status>', 'only pending, delivered or failed deliveries')
      .option('--limit <n>', 'deliveries to show', '50')
      .option('--json', 'print JSON'),
  ).action(async (id: string, o: Flags & { status?: string; limit: string }) => {
    const q = `limit=${encodeURIComponent(o.limit)}${o.status ? `&status=${encodeURIComponent(o.status)}` : ''}`;
    const r = await call<DeliveriesAnswer>(o, 'GET', `/v1/webhooks/${encodeURIComponent(id)}/deliveries?${q}`);
    const rows = [['DELIVERY', 'EVENT', 'TYPE', 'STATUS', 'ATTEMPT', 'AT', 'RESULT', 'NEXT RETRY']];
    for (const d of r.deliveries) {
      const log = d.log.length
        ? d.log
        : [{ attempt: 0, at: null, statusCode: null, error: null, nextRetryAt: d.nextRetryAt }];
      for (const a of log)
        rows.push([
          d.id,
          `evt_${d.eventSeq}`,
          d.eventType,
          d.status,
          String(a.attempt),
          time(a.at),
          a.error ?? (a.statusCode ? String(a.statusCode) : ''),
          time(a.nextRetryAt),
        ]);
    }
    print(o, r, table(rows));
  });
}
