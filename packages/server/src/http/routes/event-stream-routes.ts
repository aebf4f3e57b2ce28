import { EventStreamQuery } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import { bearerSecret } from '../../auth/bearer-secret.js';
import type { TokenService } from '../../auth/token-service.js';
import type { EventSubscriptions } from '../../node/event-feed.js';
import type { LicenseStatus } from '../../node/node-license.js';
import type { Store } from '../../store/store.js';
import type { StoredEvent } from '../../store/store.js';

/** Options of the live event stream. */
export interface EventStreamOptions {
  /** How often a comment line keeps idle proxies from closing the stream. */
  keepAliveMs?: number;
}

/** Stored events replayed at most on (re)connect; a client further behind reads the cursor feed. */
const MAX_REPLAY = 10_000;
/** A client that lets this much output pile up unread is cut off rather than buffered without end. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * `GET /v1/events/stream`: committed events as server-sent events (`text/event-stream`), live. The token goes in the
 * Authorization header like on every other route (read the stream with fetch; browsers' EventSource cannot send
 * headers, and a token in the URL would land in logs). `after` or `Last-Event-ID` replays stored events first.
 */
export function eventStreamRoutes(
  app: FastifyInstance,
  node: { feed: EventSubscriptions; licensing: LicenseStatus; store: Store },
  tokens: TokenService,
  opts: EventStreamOptions = {},
): void {
  const keepAliveMs = opts.keepAliveMs ?? 15_000;
  // Open streams never finish on their own: a stopping node ends them first, or closing the server would wait forever.
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of open) end();
    done();
  });
  app.get<{ Querystring: { after?: number; type?: string; moduleId?: number } }>(
    '/v1/events/stream',
    {
      // A stream has no headers-only form: a HEAD would hold its connection open forever.
      exposeHeadRoute: false,
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Live events as server-sent events; `after` (or the Last-Event-ID header) replays stored events after that cursor first',
        tags: ['events'],
        querystring: EventStreamQuery,
        // The 200 answer is a text/event-stream (NON_JSON_ROUTES); the refusals before it are problems.
      },
    },
    async (req, reply) => {
      const header = req.headers['last-event-id'];
      const fromHeader = typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
      const after = fromHeader ?? req.query.after;
      const types = req.query.type
        ? new Set(
            req.query.type
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
          )
        : null;
      const moduleId = req.query.moduleId;
      const wanted = (e: StoredEvent) =>
        (!types || types.has(e.type)) && (moduleId === undefined || e.moduleId === moduleId);
      const secret = bearerSecret(req.headers.authorization) ?? '';

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        ...(node.licensing.nonProduction ? { 'licensor-non-production': 'true' } : {}),
      });
      raw.write('retry: 2000\n\n');
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        if (raw.writableLength > MAX_BUFFERED_BYTES) return end();
        raw.write(text);
      };
      const send = (e: StoredEvent) => {
        if (wanted(e)) write(`id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`);
      };

      // Live events are held while stored ones replay, then sent on without the ones the replay already covered.
      let held: StoredEvent[] | null = after !== undefined ? [] : null;
      const unsubscribe = node.feed.onEvent((e) => {
        if (held) held.push(e);
        else send(e);
      });
      const timer = setInterval(() => write(': keep-alive\n\n'), keepAliveMs);
      timer.unref();
      // The token is checked again every second, idle stream or not: a revoked token's stream ends within seconds.
      const authTimer = setInterval(() => {
        tokens.authenticate(secret).then(
          (token) => {
            if (token && token.role === 'admin') return;
            write(
              `event: error\ndata: ${JSON.stringify({ code: 'UNAUTHENTICATED', detail: 'the API token of this stream was revoked' })}\n\n`,
            );
            end();
          },
          () => {},
        );
      }, 1000);
      authTimer.unref();
      function end() {
        if (closed) return;
        closed = true;
        open.delete(end);
        unsubscribe();
        clearInterval(timer);
        clearInterval(authTimer);
        raw.end();
      }
      raw.on('close', end);
      open.add(end);

      if (after !== undefined && held) {
        let cursor = after;
        try {
          for (let read = 0; read < MAX_REPLAY && !closed; ) {
            const page = await node.store.listEvents({ after: cursor, limit: Math.min(1000, MAX_REPLAY - read) });
            for (const e of page) send(e);
            read += page.length;
            cursor = page.at(-1)?.seq ?? cursor;
            if (page.length < 1000) break;
          }
        } catch (err) {
          req.log.error({ err }, 'event stream replay failed');
          return end();
        }
        const pending: StoredEvent[] = held;
        held = null;
        for (const e of pending) if (e.seq > cursor) send(e);
      }
    },
  );
}
