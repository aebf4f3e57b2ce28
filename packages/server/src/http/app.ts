import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { TokenService } from '../auth/token-service.js';
import { BillingService } from '../billing/billing-service.js';
import type { TokenRecord } from '../store/store.js';
import type { LicensorNode } from '../node/licensor-node.js';
import { WebhookService } from '../webhook/webhook-service.js';
import { sessionRoute } from '../session/session-route.js';
import { HierarchyService } from '../hierarchy/hierarchy-service.js';
import { loadNodeIdentity } from '../hierarchy/node-identity.js';
import type { UpstreamSync } from '../hierarchy/upstream-sync.js';
import { nodeRoutes } from './routes/node-routes.js';
import { isStoreUnavailable } from '../store/store-errors.js';
import { HttpFailure, toProblem } from './error-mapping.js';
import { idempotencyHook } from './idempotency.js';
import { createMetrics } from './metrics.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { auditRoutes } from './routes/audit-routes.js';
import { billingRoutes } from './routes/billing-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { type EventStreamOptions, eventStreamRoutes } from './routes/event-stream-routes.js';
import { usageRoutes } from './routes/usage-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import { DEFAULT_USAGE_RETENTION_DAYS, DEFAULT_USAGE_SAMPLE_INTERVAL_MS, type UsageSamplerOptions } from '../usage/usage-sampler.js';
import { leaseRoutes } from './routes/lease-routes.js';
import { memberRoutes } from './routes/member-routes.js';
import { poolRoutes } from './routes/pool-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { ProblemSchema } from './schemas.js';
import './request-context.js';

/** Options of the HTTP app. */
export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  https?: { cert: string | Buffer; key: string | Buffer } | null;
  /** Token buckets per API token (per IP without a valid token); null or `perSecond: 0` disables them. */
  rateLimit?: RateLimitOptions | null;
  /** Billing and rentals; default: a service without issuer keys (accounts and top-ups only). */
  billing?: BillingService;
  /** Child nodes and allocations; default: a service with default intervals, started here. */
  hierarchy?: HierarchyService;
  /** The link to this node's parent, when it has one. */
  upstream?: UpstreamSync | null;
  /** What `GET /v1/usage` reports about sampling (the sampler itself runs in startNode). */
  usage?: UsageSamplerOptions;
  /** Live event stream settings. */
  eventStream?: EventStreamOptions;
  /** The built dashboard served at `/`; default packages/web/dist. */
  dashboardDir?: string | null;
  /** Webhook registrations; default: a service whose webhooks are stored but only dispatched by a running node. */
  webhooks?: WebhookService;
}

let requestCounter = 0;

/** Builds the Fastify app of a node: API under /v1, OpenAPI at /docs, metrics, SDK sessions. */
export async function buildApp(node: LicensorNode, tokens: TokenService, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Per-request log lines would cost more than the operation itself on the slot hot path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    genReqId: () => `req_${(++requestCounter).toString(36)}_${process.pid.toString(36)}`,
    // Errors Fastify raises before routing (a path that is not valid percent-encoding, `/v1/pools/%`) answer in
    // problem+json with a code like every other rejection, not in Fastify's own error shape.
    frameworkErrors: (err: Error, req: FastifyRequest, reply: FastifyReply) => {
      reply.code(400).type('application/problem+json').send(toProblem({ code: 'VALIDATION_FAILED', message: err.message }, req.id));
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...(opts.https ? { https: opts.https } : {}),
  } as FastifyServerOptions);
  // Every route the app serves, as registered (the authorization matrix test checks it covers each one).
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method, url: r.url });
  });
  app.decorate('routeList', routes);
  app.addSchema(ProblemSchema);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Licensor node API', version: '0.1.0', description: 'License server for multi-application suites. See docs/api.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  app.decorateRequest('token', null);
  app.decorateRequest('idem', null);
  app.decorateRequest('idemRecorded', false);

  // Rate limits: one bucket per token id, and one per client IP for requests without a valid token (public routes,
  // unknown or missing tokens). SDK session messages are not HTTP requests and are not counted.
  const limits = opts.rateLimit && opts.rateLimit.perSecond > 0 ? { tokens: new RateLimiter(opts.rateLimit), ips: new RateLimiter(opts.rateLimit) } : null;
  const limit = (limiter: RateLimiter, key: string) => {
    const wait = limiter.take(key);
    if (wait > 0) throw new HttpFailure({ code: 'RATE_LIMITED', message: `too many requests; retry after ${wait} s`, data: { retryAfterSeconds: wait } });
  };

  // Hooks take callbacks rather than async functions: on the slot hot path a promise per hook per request is
  // measurable, and the common case (cached token, no Idempotency-Key) finishes synchronously.
  const authorize = (req: FastifyRequest, token: TokenRecord | null, secret: string | undefined, roles: ('admin' | 'app' | 'node')[]) => {
    if (!token) {
      if (limits) limit(limits.ips, req.ip);
      throw new HttpFailure({ code: 'UNAUTHENTICATED', message: secret ? 'the API token is unknown or revoked' : 'missing Authorization: Bearer <token> header' });
    }
    if (limits) limit(limits.tokens, token.id);
    if (!roles.includes(token.role)) throw new HttpFailure({ code: 'FORBIDDEN', message: `this operation needs a token with role ${roles.join(' or ')}; yours is ${token.role}` });
    req.token = token;
  };
  app.addHook('onRequest', (req, _reply, done) => {
    try {
      const roles = req.routeOptions.config?.roles;
      if (!roles) {
        if (limits) limit(limits.ips, req.ip);
        return done();
      }
      const header = req.headers.authorization;
      const query = (req.query as Record<string, unknown> | undefined)?.token;
      const secret = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof query === 'string' && req.url.startsWith('/v1/session') ? query : undefined;
      const cached = secret ? tokens.authenticateCached(secret) : null;
      if (cached !== undefined) {
        authorize(req, cached, secret, roles);
        return done();
      }
      tokens.authenticate(secret as string).then(
        (token) => {
          try {
            authorize(req, token, secret, roles);
            done();
          } catch (err) {
            done(err as Error);
          }
        },
        (err) => done(err as Error),
      );
    } catch (err) {
      done(err as Error);
    }
  });
  app.addHook('preHandler', (req, reply, done) => {
    req.idem = null;
    if (req.headers['idempotency-key'] === undefined || req.method === 'GET' || !req.token) return done();
    idempotencyHook(node, req, reply).then(
      () => {
        if (!reply.sent) done();
      },
      (err) => done(err as Error),
    );
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    if (node.nonProduction) reply.header('licensor-non-production', 'true');
    // Routes whose operation records its answer in its own transaction (slots, members, quotas) mark it done; every
    // other mutating route gets its answer recorded here, right after the operation, before the client sees it.
    const idem = req.idem;
    if (!idem || req.idemRecorded || reply.statusCode >= 500 || typeof payload !== 'string') return done(null, payload);
    req.idemRecorded = true;
    const record = { ...idem, status: reply.statusCode, body: payload, createdAt: node.clock.now() };
    node.committer.submit({ changes: [], events: [], idempotency: [record], audit: [] }).then(
      () => done(null, payload),
      (err) => done(err as Error),
    );
  });

  const metrics = createMetrics(node);
  app.setErrorHandler((err: Error & { validation?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[]; validationContext?: string; statusCode?: number; code?: string }, req, reply) => {
    let problem: ReturnType<typeof toProblem>;
    if (err instanceof HttpFailure) {
      problem = toProblem(err.failure, req.id);
      if (problem.status === 409) metrics.refusals.inc({ code: problem.code });
      if (problem.code === 'RATE_LIMITED') reply.header('retry-after', String(err.failure.data?.retryAfterSeconds ?? 1));
    } else if (err.validation) {
      const v = err.validation[0];
      const missing = v?.params?.missingProperty as string | undefined;
      const extra = v?.params?.additionalProperty as string | undefined;
      const path = [err.validationContext, ...(v?.instancePath ?? '').split('/').filter(Boolean), missing ?? extra].filter(Boolean).join('.');
      const message = missing ? `${path} is required` : extra ? `${path} is not an accepted field` : `${path} ${v?.message ?? 'is invalid'}`;
      problem = toProblem({ code: 'VALIDATION_FAILED', message, field: path }, req.id);
    } else if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      problem = toProblem({ code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than the server accepts' }, req.id);
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      problem = toProblem({ code: 'VALIDATION_FAILED', message: err.message }, req.id);
      problem.status = err.statusCode;
    } else if (isStoreUnavailable(err)) {
      problem = toProblem({ code: 'STORE_UNAVAILABLE', message: 'the store is not reachable right now; retry later' }, req.id);
      reply.header('retry-after', '1');
    } else {
      req.log.error({ err }, 'unexpected error');
      problem = toProblem({ code: 'INTERNAL', message: `unexpected error; quote ${req.id} when reporting it` }, req.id);
    }
    reply.code(problem.status).type('application/problem+json').send(problem);
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/problem+json').send(toProblem({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }, req.id));
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['system'] } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  systemRoutes(app, node);
  leaseRoutes(app, node);
  memberRoutes(app, node);
  poolRoutes(app, node);
  eventRoutes(app, node);
  eventStreamRoutes(app, node, tokens, opts.eventStream);
  usageRoutes(app, node, opts.usage ?? { intervalMs: DEFAULT_USAGE_SAMPLE_INTERVAL_MS, retentionMs: DEFAULT_USAGE_RETENTION_DAYS * 86_400_000 });
  tokenRoutes(app, node, tokens);
  auditRoutes(app, node);
  billingRoutes(app, opts.billing ?? new BillingService({ store: node.store.billing, catalog: node.catalog, clock: node.clock, issuer: null, node }));
  webhookRoutes(app, opts.webhooks ?? new WebhookService(node.store.webhooks, node.clock, null));
  sessionRoute(app, node, tokens);
  nodeRoutes(app, opts.hierarchy ?? (await defaultHierarchy(node)), opts.upstream ?? null);
  dashboardRoutes(app, opts.dashboardDir ?? null);
  return app;
}

async function defaultHierarchy(node: LicensorNode): Promise<HierarchyService> {
  const h = new HierarchyService(node, await loadNodeIdentity(node.store));
  await h.start();
  return h;
}
