import { LeaseView } from '@licensor/protocol/schemas';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from '../packages/server/src/http/app.js';
import { ALSO_CSV_ROUTES, NON_JSON_ROUTES } from '../packages/server/src/http/response-contract.js';
import { startTestNode } from './support/test-node.js';

/** A problem+json answer, or one of the answers a status may be (`/readyz` answers 503 with its state or a problem). */
const isProblem = (s: unknown): boolean => {
  const schema = s as { $ref?: string; anyOf?: unknown[] };
  return schema.$ref === 'Problem' || (schema.anyOf?.some(isProblem) ?? false);
};

test('route contract: every route declares a JSON answer for success and problem+json for every refusal it can give', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  try {
    const routes = t.running.app.routeContracts.filter((r) => r.method !== 'HEAD');
    assert.ok(routes.length > 40, `${routes.length} routes recorded`);
    const wrong: string[] = [];
    for (const r of routes) {
      const name = `${r.method} ${r.url}`;
      const response = r.schema.response ?? {};
      const ok = Object.keys(response).filter((s) => Number(s) < 300);
      if (!(name in NON_JSON_ROUTES) && ok.length === 0) wrong.push(`${name}: no success answer declared`);
      for (const s of ok) if (isProblem(response[s])) wrong.push(`${name}: ${s} declared as a problem`);
      const needed = [429, 500, 503, ...(r.roles ? [401, 403] : []), ...(r.url.startsWith('/v1/') ? [400] : [])];
      if (r.url.includes(':')) needed.push(404);
      for (const s of needed) if (!response[s]) wrong.push(`${name}: no ${s} problem declared`);
      for (const [s, schema] of Object.entries(response))
        if (Number(s) >= 400 && !isProblem(schema)) wrong.push(`${name}: ${s} is not a problem+json answer`);
    }
    assert.deepEqual(wrong, []);
    // Every exception names a route that exists: the list cannot go stale.
    const names = new Set(routes.map((r) => `${r.method} ${r.url}`));
    for (const name of [...Object.keys(NON_JSON_ROUTES), ...ALSO_CSV_ROUTES]) assert.ok(names.has(name), name);
    // The OpenAPI document at /docs shows the declared answers.
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read field by field
    const docs: any = await fetch(`${t.url}/docs/json`).then((r) => r.json());
    const acquire = docs.paths['/v1/modules/{moduleId}/leases'].post.responses;
    assert.ok(acquire['201'].content['application/json'].schema.properties.leaseId, 'acquire documents its lease');
    assert.ok(acquire['409'], 'acquire documents its refusal');
  } finally {
    await t.close();
  }
});

test('response validation: an answer its schema does not declare is a 500 naming the route, the status and the field', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  const app = await buildApp(t.running.services, { rateLimit: null, validateResponses: true });
  const lease = {
    moduleId: 4001,
    holderId: 'h',
    leaseId: 'l',
    acquiredAt: 1,
    expiresAt: 2,
    heartbeatIntervalMs: 1000,
    reacquired: false,
  };
  const schema = { response: { 200: LeaseView } };
  app.get('/v1/test/wrong-field', { schema }, async () => ({ ...lease, moduleId: 'four thousand and one' }));
  app.get('/v1/test/extra-field', { schema }, async () => ({ ...lease, secret: 'never shown' }));
  app.get('/v1/test/undeclared-status', { schema }, async (_req, reply) => {
    reply.code(202 as 200);
    return { accepted: true };
  });
  try {
    const wrong = await app.inject({ method: 'GET', url: '/v1/test/wrong-field' });
    assert.equal(wrong.statusCode, 500);
    assert.equal(wrong.json().code, 'INTERNAL');
    assert.match(wrong.json().detail, /GET \/v1\/test\/wrong-field answered 200 with \/moduleId/);
    const extra = await app.inject({ method: 'GET', url: '/v1/test/extra-field' });
    assert.equal(extra.statusCode, 500);
    assert.match(extra.json().detail, /answered 200 with \/secret/);
    const status = await app.inject({ method: 'GET', url: '/v1/test/undeclared-status' });
    assert.equal(status.statusCode, 500);
    assert.match(status.json().detail, /answered 202, a status its schema does not declare/);
    // A real answer keeps to its schema and passes untouched.
    const ok = await app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual(ok.json(), { status: 'ok' });
  } finally {
    await app.close();
    await t.close();
  }
});
