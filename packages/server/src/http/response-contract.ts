import { ProblemSchema } from '@licensor/protocol/schemas';
import { type TSchema, Type } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { toProblem } from '../transport/error-mapping.js';

/**
 * The one list of routes whose success answer is not a JSON document, so they declare no 2xx schema (their
 * problem+json answers are declared and checked like every other route's).
 */
export const NON_JSON_ROUTES: Readonly<Record<string, string>> = {
  'GET /metrics': 'Prometheus text exposition',
  'GET /v1/events/stream': 'server-sent events (text/event-stream); each data line is a FeedEvent',
  'GET /v1/session': 'WebSocket upgrade: SESSION_REQUEST_SCHEMAS in, SessionResponseSchema and SessionPushSchema out',
  'GET /': 'the dashboard page (HTML)',
  'GET /*': 'the dashboard files (HTML, scripts, styles, images)',
};

/** Routes answering CSV on request besides their declared JSON: the JSON form is declared and checked. */
export const ALSO_CSV_ROUTES: readonly string[] = ['GET /v1/billing/accounts/:id/ledger'];

/** The API documentation itself (swagger UI and its OpenAPI document) is the plugin's: not a route of the API. */
const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

/** A route as registered, with the schema the app serializes its answers with. */
export interface RouteContract {
  method: string;
  url: string;
  schema: { response?: Record<string, TSchema>; body?: unknown; hide?: boolean };
  roles: readonly string[] | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route's declared answers, as registered (the route contract test reads it). */
    routeContracts: readonly RouteContract[];
  }
}

/**
 * Declares the problem+json answers any route may give besides its own: rate limits, store outages and unexpected
 * errors everywhere; 400 on the API (closed query strings); 401/403 where a token is needed; 413/415 where a body is
 * read;
 * 400/422 for a bad or reused Idempotency-Key on mutating routes. Each route declares its success and domain errors.
 */
function declareCommonProblems(r: RouteOptions, schema: RouteContract['schema']): void {
  schema.response ??= {};
  const response = schema.response;
  const statuses = [429, 500, 503];
  if (r.url.startsWith('/v1/')) statuses.push(400);
  if (r.config?.roles) statuses.push(401, 403);
  // Fastify reads a body on every method but GET and HEAD, whether the route takes one or not.
  const methods = Array.isArray(r.method) ? r.method : [r.method];
  const readsBody = methods.some((m) => m !== 'GET' && m !== 'HEAD');
  if (readsBody) statuses.push(413, 415);
  if (r.config?.roles && readsBody) statuses.push(400, 422);
  for (const s of statuses) response[s] ??= Type.Ref('Problem');
}

/**
 * Records every route's contract and declares the common problem answers; with `validate`, also checks every JSON
 * answer against the schema declared for its status before it is serialized. A mismatch answers 500 naming the
 * route, the status and the path of the mismatch, and is logged: tests run with it on, so any answer a test receives
 * that its schema does not declare fails that test.
 */
export function installResponseContract(app: FastifyInstance, validate: boolean): void {
  const contracts: RouteContract[] = [];
  app.decorate('routeContracts', contracts);
  app.addHook('onRoute', (r) => {
    // The route processes of one deployment call each other on (signed, not a client API) has no contract here.
    if (isDocs(r.url) || r.config?.cluster) return;
    r.schema ??= {};
    const schema = r.schema as RouteContract['schema'];
    declareCommonProblems(r, schema);
    for (const method of Array.isArray(r.method) ? r.method : [r.method])
      contracts.push({ method, url: r.url, schema, roles: r.config?.roles });
  });
  if (!validate) return;
  app.addHook('preSerialization', (req: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    const mismatch = answerMismatch(req, reply, payload);
    if (!mismatch) return done(null, payload);
    req.log.error({ mismatch }, 'answer does not match its declared schema');
    reply.code(500).type('application/problem+json');
    done(
      null,
      toProblem({ code: 'INTERNAL', message: `answer does not match its declared schema: ${mismatch}` }, req.id),
    );
  });
}

const checks = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The compiled checker of a response schema (`Problem` references resolved). */
function checkerOf(schema: TSchema): TypeCheck<TSchema> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema, [ProblemSchema]);
    checks.set(schema, check);
  }
  return check;
}

/** Why an answer breaks its route's declared schema, or null when it keeps to it. */
export function answerMismatch(req: FastifyRequest, reply: FastifyReply, payload: unknown): string | null {
  const url = req.routeOptions.url;
  const status = reply.statusCode;
  // Requests no route matched are answered by the not-found handler: a problem, whatever the status.
  if (url === undefined) return mismatchOf(`${req.method} (no route)`, status, ProblemSchema, payload);
  if (isDocs(url)) return null;
  const route = `${req.method} ${url}`;
  const schema = (req.routeOptions.schema as RouteContract['schema'] | undefined)?.response?.[status];
  if (!schema) return `${route} answered ${status}, a status its schema does not declare`;
  return mismatchOf(route, status, schema, payload);
}

function mismatchOf(route: string, status: number, schema: TSchema, payload: unknown): string | null {
  const check = checkerOf(schema);
  if (check.Check(payload)) return null;
  const first = check.Errors(payload).First();
  const value = JSON.stringify(first?.value)?.slice(0, 100);
  return `${route} answered ${status} with ${first?.path || '/'} ${first?.message ?? 'not matching'} (value ${value})`;
}
