import { ProblemSchema } from '@licensor/protocol/schemas';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { bearerSecret } from '../auth/bearer-secret.js';
import type { TokenService } from '../auth/token-service.js';
import type { BillingService } from '../billing/billing-service.js';
import type { TokenRecord } from '../store/store.js';
import type { Logger } from '../log/logger.js';
import type { AdmissionApi } from '../node/pool-ops.js';
import type { EventSubscriptions } from '../node/event-feed.js';
import type { GroupCommitter } from '../node/group-committer.js';
import type { LicenseInstallation } from '../node/license-installer.js';
import type { NodeLicense } from '../node/node-license.js';
import type { PoolReader } from '../node/pool-table.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { StoreHealth } from '../transport/store-health.js';
import type { WebhookService } from '../webhook/webhook-service.js';
import type { HierarchyService } from '../hierarchy/hierarchy-service.js';
import type { UpstreamSync } from '../hierarchy/upstream-sync.js';
import { nodeRoutes } from './routes/node-routes.js';
import { HttpFailure, toProblem } from '../transport/error-mapping.js';
import { idempotencyHook } from './idempotency.js';
import { type ClusterEndpoint, clusterRoutes } from './routes/cluster-routes.js';
import { createMetrics } from './metrics.js';
import { RateLimiter, type RateLimitOptions } from './rate-limit.js';
import { auditRoutes } from './routes/audit-routes.js';
import { billingRoutes } from './routes/billing-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { type EventStreamOptions, eventStreamRoutes } from './routes/event-stream-routes.js';
import { usageRoutes } from './routes/usage-routes.js';
import { dashboardRoutes } from './dashboard-routes.js';
import {
  DEFAULT_USAGE_RETENTION_DAYS,
  DEFAULT_USAGE_SAMPLE_INTERVAL_MS,
  type UsageSamplerOptions,
} from '../usage/usage-sampler.js';
import { leaseRoutes } from './routes/lease-routes.js';
import { memberRoutes } from './routes/member-routes.js';
import { poolRoutes } from './routes/pool-routes.js';
import { systemRoutes } from './routes/system-routes.js';
import { tokenRoutes } from './routes/token-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { installResponseContract } from './response-contract.js';
import { describe, validatorCompiler } from '../transport/validation.js';
import {
  capConnections,
  clientErrorHandler,
  type ConnectionLimits,
  DEFAULT_CONNECTION_LIMITS,
  serverOptions,
} from '../transport/connection-limits.js';
import { missingRoute } from './missing-route.js';
import { STORE_RETRY_AFTER_SECONDS } from '../transport/store-health.js';
import { type ErrorCode, ID_MAX_LENGTH, ID_RULE_TEXT } from '@licensor/protocol';

/** Longest path parameter as sent: an id of the longest accepted length with every character percent-encoded. */
const MAX_PARAM_LENGTH = 3 * ID_MAX_LENGTH;
import './request-context.js';

/** Options of the HTTP app. */
export interface AppOptions {
  /** The node's logger, Fastify's too; default: no logging. */
  log?: Logger;
  bodyLimit?: number;
  https?: { cert: string | Buffer; key: string | Buffer } | null;
  /** Token buckets per API token (per IP without a valid token); null or `perSecond: 0` disables them. */
  rateLimit?: RateLimitOptions | null;
  /** What `GET /v1/usage` reports about sampling (the sampler itself runs in startNode). */
  usage?: UsageSamplerOptions;
  /** Live event stream settings. */
  eventStream?: EventStreamOptions;
  /** The built dashboard served at `/`; default packages/web/dist. */
  dashboardDir?: string | null;
  /** Timeouts and connection / session caps; default DEFAULT_CONNECTION_LIMITS. */
  limits?: ConnectionLimits;
  /** Check every JSON answer against its route's declared schema (tests); default false. */
  validateResponses?: boolean;
}

/** The services the HTTP API serves, built by the composition root (src/main). */
export interface AppServices {
  store: Store;
  clock: Clock;
  licensing: NodeLicense;
  admission: AdmissionApi;
  pools: PoolReader;
  feed: EventSubscriptions;
  installer: LicenseInstallation;
  committer: GroupCommitter;
  storeHealth: StoreHealth;
  tokens: TokenService;
  /** Billing and rentals. */
  billing: BillingService;
  /** Webhook registrations. */
  webhooks: WebhookService;
  /** Child nodes and allocations. */
  hierarchy: HierarchyService;
  /** The link to this node's parent, when it has one. */
  upstream: UpstreamSync | null;
  /** On a shared store: the owner's end of pool-operation forwarding (other processes of the deployment call it). */
  cluster?: ClusterEndpoint;
}

/** Fastify's own 4xx statuses as this node's error codes. */
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
};

let requestCounter = 0;

/** Builds the Fastify app of a node: API under /v1, OpenAPI at /docs, metrics (SDK sessions are added by src/main). */
export async function buildApp(services: AppServices, opts: AppOptions = {}): Promise<FastifyInstance> {
  const { tokens, licensing, clock, store } = services;
  const caps = opts.limits ?? DEFAULT_CONNECTION_LIMITS;
  const server = serverOptions(caps);
  const app = Fastify({
    // A silent logger is not handed over: Fastify would still make a child logger for every request, on the hot path.
    ...(opts.log && opts.log.level !== 'silent' ? { loggerInstance: opts.log } : { logger: false }),
    // Per-request log lines would cost more than the operation itself on the slot hot path.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    genReqId: () => `req_${(++requestCounter).toString(36)}_${process.pid.toString(36)}`,
    // Errors Fastify raises before routing (a path that is not valid percent-encoding, `/v1/pools/%`) answer in
    // problem+json with a code like every other rejection, not in Fastify's own error shape.
    frameworkErrors: (err: Error & { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      const message =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters as sent (ids are ${ID_RULE_TEXT})`
          : err.message;
      reply
        .code(400)
        .type('application/problem+json')
        .send(toProblem({ code: 'VALIDATION_FAILED', message }, req.id));
    },
    // An id of the longest accepted length must fit in a path even when every character is percent-encoded.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    clientErrorHandler,
    requestTimeout: caps.requestTimeoutMs,
    keepAliveTimeout: caps.keepAliveTimeoutMs,
    ...(opts.https ? { https: { ...opts.https, ...server } } : { http: server }),
  } as FastifyServerOptions);
  // Every route the app serves, as registered (the authorization matrix test checks it covers each one).
  const routes: { method: string; url: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method, url: r.url });
  });
  app.decorate('routeList', routes);
  const connections = capConnections(app.server, caps, Boolean(opts.https));
  // Unknown query parameters are refused like unknown body fields: every API route's query has a closed schema.
  app.addHook('onRoute', (r) => {
    if (!r.url.startsWith('/v1/')) return;
    r.schema ??= {};
    const schema = r.schema as { querystring?: object };
    schema.querystring = schema.querystring
      ? { additionalProperties: false, ...schema.querystring }
      : Type.Object({}, { additionalProperties: false });
  });
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ProblemSchema);
  installResponseContract(app, opts.validateResponses ?? false);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Licensor node API',
        version: '0.1.0',
        description: 'License server for multi-application suites. See docs/api.md.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // No permessage-deflate: session messages are small JSON, and the session writes its frames itself (send-text-frame.ts in protocol).
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024, perMessageDeflate: false } });

  app.decorateRequest('token', null);
  app.decorateRequest('idem', null);
  app.decorateRequest('idemRecorded', false);

  // Rate limits: one bucket per token id, and one per client IP for requests without a valid token (public routes,
  // unknown or missing tokens). SDK session messages are not HTTP requests and are not counted.
  const limits =
    opts.rateLimit && opts.rateLimit.perSecond > 0
      ? { tokens: new RateLimiter(opts.rateLimit), ips: new RateLimiter(opts.rateLimit) }
      : null;
  const limit = (limiter: RateLimiter, key: string) => {
    const wait = limiter.take(key);
    if (wait > 0)
      throw new HttpFailure({
        code: 'RATE_LIMITED',
        message: `too many requests; retry after ${wait} s`,
        data: { retryAfterSeconds: wait },
      });
  };

  // Hooks take callbacks rather than async functions: on the slot hot path a promise per hook per request is
  // measurable, and the common case (cached token, no Idempotency-Key) finishes synchronously.
  const authorize = (
    req: FastifyRequest,
    token: TokenRecord | null,
    secret: string | undefined,
    roles: ('admin' | 'app' | 'node')[],
  ) => {
    if (!token) {
      if (limits) limit(limits.ips, req.ip);
      throw new HttpFailure({
        code: 'UNAUTHENTICATED',
        message: secret ? 'the API token is unknown or revoked' : 'missing Authorization: Bearer <token> header',
      });
    }
    if (limits) limit(limits.tokens, token.id);
    if (!roles.includes(token.role))
      throw new HttpFailure({
        code: 'FORBIDDEN',
        message: `this operation needs a token with role ${roles.join(' or ')}; yours is ${token.role}`,
      });
    req.token = token;
  };
  app.addHook('onRequest', (req, reply, done) => {
    try {
      const config = req.routeOptions.config;
      if (connections.overCap(req.raw.socket)) {
        reply.header('connection', 'close').header('retry-after', '1');
        throw new HttpFailure({
          code: 'CONNECTION_LIMIT',
          message: `more than ${caps.maxConnectionsPerIp} open connections from ${req.ip}`,
        });
      }
      // Forwarded pool operations carry their clients' own limits and the cluster signature, not a token.
      if (config?.cluster) return done();
      const roles = config?.roles;
      if (!roles) {
        if (limits) limit(limits.ips, req.ip);
        return done();
      }
      const header = req.headers.authorization;
      const query = (req.query as Record<string, unknown> | undefined)?.token;
      const secret =
        bearerSecret(header) ?? (typeof query === 'string' && req.url.startsWith('/v1/session') ? query : undefined);
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
    idempotencyHook(store, req, reply).then(
      () => {
        if (!reply.sent) done();
      },
      (err) => done(err as Error),
    );
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    if (licensing.nonProduction) reply.header('licensor-non-production', 'true');
    // Routes whose operation records its answer in its own transaction (slots, members, quotas) mark it done; every
    // other mutating route gets its answer recorded here, right after the operation, before the client sees it.
    const idem = req.idem;
    if (!idem || req.idemRecorded || reply.statusCode >= 500 || typeof payload !== 'string') return done(null, payload);
    req.idemRecorded = true;
    const record = { ...idem, status: reply.statusCode, body: payload, createdAt: clock.now() };
    services.committer.submit({ changes: [], events: [], idempotency: [record], audit: [] }).then(
      () => done(null, payload),
      (err) => done(err as Error),
    );
  });

  const metrics = createMetrics(services.pools, services.feed, services.committer);
  const storeHealth = services.storeHealth;
  app.setErrorHandler(
    (
      err: Error & {
        validation?: { instancePath?: string; params?: Record<string, unknown>; message?: string }[];
        validationContext?: string;
        statusCode?: number;
        code?: string;
      },
      req,
      reply,
    ) => {
      let problem: ReturnType<typeof toProblem>;
      if (err instanceof HttpFailure) {
        problem = toProblem(err.failure, req.id);
        if (problem.status === 409) metrics.refusals.inc({ code: problem.code });
        const retryAfter = err.failure.data?.retryAfterSeconds;
        if (problem.code === 'RATE_LIMITED' || typeof retryAfter === 'number')
          reply.header('retry-after', String(retryAfter ?? 1));
        if (problem.code === 'METHOD_NOT_ALLOWED')
          reply.header('allow', (err.failure.data?.allow as string[]).join(', '));
      } else if (err.validation) {
        const [message, { field }] = describe(err.validation, err.validationContext);
        problem = toProblem({ code: 'VALIDATION_FAILED', message, field }, req.id);
      } else if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        problem = toProblem(
          { code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than the server accepts' },
          req.id,
        );
      } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        // Fastify's own rejections (unparsable JSON, a content type other than JSON, an empty JSON body): one code each.
        const code = STATUS_CODES[err.statusCode] ?? 'VALIDATION_FAILED';
        const message =
          code === 'UNSUPPORTED_MEDIA_TYPE'
            ? `request bodies must be application/json, not ${JSON.stringify(req.headers['content-type'] ?? '')}`
            : err.message;
        problem = toProblem({ code, message }, req.id);
      } else if (storeHealth.noteError(err)) {
        problem = toProblem(
          {
            code: 'STORE_UNAVAILABLE',
            message:
              'the store cannot be written right now (disk full, read-only or unreachable); nothing was changed, retry later',
          },
          req.id,
        );
        reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      } else {
        req.log.error({ err }, 'unexpected error');
        problem = toProblem(
          { code: 'INTERNAL', message: `unexpected error; quote ${req.id} when reporting it` },
          req.id,
        );
      }
      reply.code(problem.status).type('application/problem+json').send(problem);
    },
  );
  app.setNotFoundHandler((req) => {
    throw new HttpFailure(missingRoute(routes, req.method, req.url.split('?')[0] ?? '/'));
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['system'] } }, async (_req, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  systemRoutes(app, services, storeHealth);
  leaseRoutes(app, services.admission, licensing, clock);
  memberRoutes(app, services.admission, licensing, clock);
  poolRoutes(app, services.pools, licensing, clock);
  eventRoutes(app, store);
  eventStreamRoutes(app, services, tokens, opts.eventStream);
  usageRoutes(
    app,
    services,
    opts.usage ?? {
      intervalMs: DEFAULT_USAGE_SAMPLE_INTERVAL_MS,
      retentionMs: DEFAULT_USAGE_RETENTION_DAYS * 86_400_000,
    },
  );
  tokenRoutes(app, clock, tokens);
  auditRoutes(app, store);
  billingRoutes(app, services.billing);
  webhookRoutes(app, services.webhooks);
  nodeRoutes(app, services.hierarchy, services.upstream);
  if (services.cluster) clusterRoutes(app, services.cluster);
  dashboardRoutes(app, opts.dashboardDir ?? null);
  return app;
}
