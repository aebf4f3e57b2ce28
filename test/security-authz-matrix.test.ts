import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashTokenSecret } from '../packages/server/src/auth/token-secret.js';
import { RateLimiter } from '../packages/server/src/http/rate-limit.js';
import { startTestNode } from './support/test-node.js';

/** Who may call a route: anyone, an app token (admins too), a child node's token (admins too), or admins only. */
type Access = 'public' | 'app' | 'node' | 'admin';
type Role = 'none' | 'unknown' | 'revoked' | 'app' | 'node' | 'admin';

/**
 * One row per route the app registers (HEAD rows fall back to the GET row of the same URL). A new route without a
 * row fails the coverage assertion below: decide who may call it, then add it here.
 */
const MATRIX: Record<string, { access: Access; path: string; body?: unknown; stream?: boolean }> = {
  'GET /': { access: 'public', path: '/' },
  'GET /*': { access: 'public', path: '/pools/4001' },
  'GET /v1/events/stream': { access: 'admin', path: '/v1/events/stream', stream: true },
  'GET /v1/usage': { access: 'admin', path: '/v1/usage' },
  'GET /v1/billing/accounts': { access: 'admin', path: '/v1/billing/accounts' },
  'GET /docs': { access: 'public', path: '/docs' },
  'HEAD /docs/': { access: 'public', path: '/docs/' },
  'GET /docs/static/index.html': { access: 'public', path: '/docs/static/index.html' },
  'GET /docs/static/swagger-initializer.js': { access: 'public', path: '/docs/static/swagger-initializer.js' },
  'GET /docs/json': { access: 'public', path: '/docs/json' },
  'GET /docs/yaml': { access: 'public', path: '/docs/yaml' },
  'GET /docs/static/*': { access: 'public', path: '/docs/static/swagger-ui.css' },
  'GET /metrics': { access: 'public', path: '/metrics' },
  'GET /healthz': { access: 'public', path: '/healthz' },
  'GET /readyz': { access: 'public', path: '/readyz' },
  'GET /v1/status': { access: 'app', path: '/v1/status' },
  'GET /v1/catalog': { access: 'app', path: '/v1/catalog' },
  'GET /v1/license': { access: 'admin', path: '/v1/license' },
  'PUT /v1/license': { access: 'admin', path: '/v1/license', body: { license: 'not a license' } },
  'POST /v1/modules/:moduleId/leases': {
    access: 'app',
    path: '/v1/modules/4001/leases',
    body: { holderId: 'matrix-pc' },
  },
  'POST /v1/modules/:moduleId/leases/:holderId/heartbeat': {
    access: 'app',
    path: '/v1/modules/4001/leases/matrix-pc/heartbeat',
    body: {},
  },
  'DELETE /v1/modules/:moduleId/leases/:holderId': { access: 'app', path: '/v1/modules/4001/leases/nobody' },
  'POST /v1/modules/:moduleId/leases/:holderId/revoke': {
    access: 'admin',
    path: '/v1/modules/4001/leases/nobody/revoke',
  },
  'PUT /v1/modules/:moduleId/members/:memberId': {
    access: 'app',
    path: '/v1/modules/2001/members/matrix-register',
    body: {},
  },
  'DELETE /v1/modules/:moduleId/members/:memberId': { access: 'admin', path: '/v1/modules/2001/members/nobody' },
  'PUT /v1/modules/:moduleId/quota': { access: 'app', path: '/v1/modules/3001/quota', body: { count: 1 } },
  'GET /v1/modules/:moduleId/quota/operations/:operation': {
    access: 'app',
    path: '/v1/modules/3001/quota/operations/debit',
  },
  'POST /v1/modules/:moduleId/profile-check': {
    access: 'app',
    path: '/v1/modules/2001/profile-check',
    body: { features: [2101] },
  },
  'GET /v1/modules/:moduleId/enabled': { access: 'app', path: '/v1/modules/4001/enabled' },
  'GET /v1/pools': { access: 'admin', path: '/v1/pools' },
  'GET /v1/pools/:moduleId': { access: 'admin', path: '/v1/pools/4001' },
  'GET /v1/events': { access: 'admin', path: '/v1/events' },
  'POST /v1/tokens': { access: 'admin', path: '/v1/tokens', body: { role: 'app', name: 'matrix' } },
  'GET /v1/tokens': { access: 'admin', path: '/v1/tokens' },
  'DELETE /v1/tokens/:id': { access: 'admin', path: '/v1/tokens/tok_nobody' },
  'GET /v1/audit': { access: 'admin', path: '/v1/audit' },
  'GET /v1/session': { access: 'app', path: '/v1/session' },
  'POST /v1/billing/accounts': {
    access: 'admin',
    path: '/v1/billing/accounts',
    body: { customerName: 'matrix', currency: 'EUR' },
  },
  'GET /v1/billing/accounts/:id': { access: 'admin', path: '/v1/billing/accounts/acc_nobody' },
  'POST /v1/billing/accounts/:id/topups': {
    access: 'admin',
    path: '/v1/billing/accounts/acc_nobody/topups',
    body: { amount: 1, currency: 'EUR', reference: 'matrix' },
  },
  'POST /v1/billing/accounts/:id/adjustments': {
    access: 'admin',
    path: '/v1/billing/accounts/acc_nobody/adjustments',
    body: { kind: 'refund', amount: 1, currency: 'EUR' },
  },
  'GET /v1/billing/accounts/:id/ledger': { access: 'admin', path: '/v1/billing/accounts/acc_nobody/ledger' },
  'POST /v1/rental-plans': {
    access: 'admin',
    path: '/v1/rental-plans',
    body: { name: 'matrix', period: 'year', price: 1, currency: 'EUR', entitlements: [{ moduleId: 4001 }] },
  },
  'GET /v1/rental-plans': { access: 'admin', path: '/v1/rental-plans' },
  'PATCH /v1/rental-plans/:id': { access: 'admin', path: '/v1/rental-plans/pln_nobody', body: { price: 1 } },
  'POST /v1/rentals': {
    access: 'admin',
    path: '/v1/rentals',
    body: { accountId: 'acc_nobody', planId: 'pln_nobody', hardwareKey: 'a'.repeat(64) },
  },
  'GET /v1/rentals/:id': { access: 'admin', path: '/v1/rentals/rnt_nobody' },
  'POST /v1/licenses': {
    access: 'admin',
    path: '/v1/licenses',
    body: {
      customerName: 'matrix',
      hardwareKey: 'a'.repeat(64),
      scope: 'static',
      entitlements: [{ moduleId: 4001 }],
      until: '2000-01-01',
    },
  },
  'GET /v1/licenses/:id': { access: 'admin', path: '/v1/licenses/lic_nobody' },
  'POST /v1/licenses/:id/extend': {
    access: 'admin',
    path: '/v1/licenses/lic_nobody/extend',
    body: { until: '2099-01-01' },
  },
  'POST /v1/webhooks': { access: 'admin', path: '/v1/webhooks', body: { url: 'ftp://matrix.invalid/' } },
  'GET /v1/webhooks': { access: 'admin', path: '/v1/webhooks' },
  'GET /v1/webhooks/:id': { access: 'admin', path: '/v1/webhooks/whk_nobody' },
  'DELETE /v1/webhooks/:id': { access: 'admin', path: '/v1/webhooks/whk_nobody' },
  'POST /v1/nodes/sync': {
    access: 'node',
    path: '/v1/nodes/sync',
    body: {
      hardwareKey: 'c'.repeat(64),
      name: 'matrix',
      countedAs: null,
      publicKey: 'ed25519:matrix',
      allocationSeq: null,
      licenseState: 'missing',
      usage: [],
      children: [],
    },
  },
  'GET /v1/nodes': { access: 'admin', path: '/v1/nodes' },
  'GET /v1/nodes/:nodeId': { access: 'admin', path: '/v1/nodes/node_nobody' },
  'PUT /v1/nodes/:nodeId/allocation': {
    access: 'admin',
    path: '/v1/nodes/node_nobody/allocation',
    body: { modules: { 4001: 1 } },
  },
  'GET /v1/nodes/:nodeId/allocation-document': { access: 'admin', path: '/v1/nodes/node_nobody/allocation-document' },
  'DELETE /v1/nodes/:nodeId': { access: 'admin', path: '/v1/nodes/node_nobody' },
  'GET /v1/upstream': { access: 'admin', path: '/v1/upstream' },
  'PUT /v1/upstream/allocation': {
    access: 'admin',
    path: '/v1/upstream/allocation',
    body: { allocation: 'not an allocation' },
  },
  'GET /v1/webhooks/:id/deliveries': { access: 'admin', path: '/v1/webhooks/whk_nobody/deliveries' },
};

/** What a role gets on a route of each access class: a status, or 'allowed' (anything but 401/403). */
const EXPECTED: Record<Access, Record<Role, 401 | 403 | 'allowed'>> = {
  public: {
    none: 'allowed',
    unknown: 'allowed',
    revoked: 'allowed',
    app: 'allowed',
    node: 'allowed',
    admin: 'allowed',
  },
  app: { none: 401, unknown: 401, revoked: 401, app: 'allowed', node: 403, admin: 'allowed' },
  node: { none: 401, unknown: 401, revoked: 401, app: 403, node: 'allowed', admin: 'allowed' },
  admin: { none: 401, unknown: 401, revoked: 401, app: 403, node: 403, admin: 'allowed' },
};

const rowOf = (method: string, url: string) =>
  MATRIX[`${method} ${url}`] ?? (method === 'HEAD' ? MATRIX[`GET ${url}`] : undefined);

test('authorization matrix: every route × none / unknown / revoked / app / admin token', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 5 },
      { moduleId: 2001, quantity: 3 },
      { moduleId: 2101, quantity: null },
      { moduleId: 3001, quantity: 10 },
    ],
  });
  try {
    const routes = t.running.app.routeList;
    const uncovered = routes.filter((r) => !rowOf(r.method, r.url)).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(uncovered, [], 'every route needs a row in MATRIX (who may call it?)');
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    assert.deepEqual(
      Object.keys(MATRIX).filter((k) => !registered.has(k)),
      [],
      'MATRIX rows without a route',
    );

    // A revoked admin token: the strongest credential there was must be worth nothing once revoked.
    const made = await t.api('POST', '/v1/tokens', { role: 'admin', name: 'to-revoke' });
    assert.equal((await t.api('DELETE', `/v1/tokens/${made.body.id}`)).status, 200);
    const nodeToken = (await t.api('POST', '/v1/tokens', { role: 'node', name: 'matrix child' })).body.secret as string;
    const secrets: Record<Role, string | null> = {
      none: null,
      unknown: 'lsr_this-token-does-not-exist',
      revoked: made.body.secret,
      app: t.appToken,
      node: nodeToken,
      admin: t.adminToken,
    };

    let cases = 0;
    const failures: string[] = [];
    for (const route of routes) {
      const row = rowOf(route.method, route.url)!;
      for (const role of Object.keys(secrets) as Role[]) {
        const secret = secrets[role];
        const headers: Record<string, string> = secret ? { authorization: `Bearer ${secret}` } : {};
        const withBody = row.body !== undefined && route.method !== 'GET' && route.method !== 'HEAD';
        if (withBody) headers['content-type'] = 'application/json';
        const res = await fetch(t.url + row.path, {
          method: route.method,
          headers,
          ...(withBody ? { body: JSON.stringify(row.body) } : {}),
        });
        // A stream that was let in never ends: stop reading it once its status is known.
        let text = '';
        if (row.stream && res.ok) await res.body?.cancel();
        else text = await res.text();
        cases++;
        const expected = EXPECTED[row.access][role];
        const label = `${route.method} ${route.url} as ${role}: got ${res.status}`;
        if (expected === 'allowed') {
          if (res.status === 401 || res.status === 403 || res.status === 429)
            failures.push(`${label}, expected neither 401 nor 403`);
          continue;
        }
        if (res.status !== expected) {
          failures.push(`${label}, expected ${expected}`);
          continue;
        }
        if (route.method === 'HEAD') continue;
        assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, label);
        assert.equal(JSON.parse(text).code, expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', label);
      }
    }
    assert.deepEqual(failures, []);
    console.log(
      `authorization matrix: ${routes.length} routes × ${Object.keys(secrets).length} roles = ${cases} cases, 0 violations`,
    );
  } finally {
    await t.close();
  }
});

test('token secrets: stored only as SHA-256 hashes, never listed', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const created = await t.api('POST', '/v1/tokens', { role: 'admin', name: 'ops' });
    assert.equal(created.status, 201);
    const secrets = [t.adminToken, t.appToken, created.body.secret as string];
    const list = await t.api('GET', '/v1/tokens');
    assert.equal(list.status, 200);
    const listed = JSON.stringify(list.body);
    for (const row of list.body.tokens as Record<string, unknown>[]) {
      assert.deepEqual(
        Object.keys(row).sort(),
        ['createdAt', 'id', 'name', 'revokedAt', 'role'],
        'a token row carries no hash or secret field',
      );
    }
    for (const s of secrets) {
      assert.ok(!listed.includes(s), 'GET /v1/tokens never returns a secret');
      assert.ok(!listed.includes(hashTokenSecret(s)), 'GET /v1/tokens never returns a hash');
    }
    // Read the SQLite file and its write-ahead log byte for byte: the hashes are there, the secrets are not.
    await t.running.node.runner.committer.drain();
    const raw = ['licensor.db', 'licensor.db-wal']
      .map((f) => {
        try {
          return readFileSync(join(t.dataDir, f)).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('\n');
    for (const s of secrets) {
      assert.ok(
        raw.includes(hashTokenSecret(s)),
        'the store keeps the hash (so the search below reads the right bytes)',
      );
      assert.ok(!raw.includes(s), 'a token secret is never stored in plaintext');
      assert.ok(!raw.includes(s.slice(4, 24)), 'nor any recognisable part of it');
    }
  } finally {
    await t.close();
  }
});

test('rate limit: a token over its bucket gets 429 RATE_LIMITED with Retry-After; other tokens and IPs are unaffected', async () => {
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 5 }],
    flags: { rateLimitPerSecond: '1', rateLimitBurst: '6' },
  });
  try {
    // The admin token spent two requests starting the node (license, app token); drain the rest of its bucket.
    let limited: Awaited<ReturnType<typeof t.api>> | null = null;
    let allowed = 0;
    for (let i = 0; i < 20 && !limited; i++) {
      const r = await t.api('GET', '/v1/pools');
      if (r.status === 429) limited = r;
      else {
        assert.equal(r.status, 200);
        allowed++;
      }
    }
    assert.ok(limited, 'the admin token is limited');
    assert.ok(allowed >= 3 && allowed <= 6, `the burst is honoured (${allowed} allowed after start)`);
    assert.equal(limited.body.code, 'RATE_LIMITED');
    assert.equal(limited.body.status, 429);
    assert.match(limited.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(limited.headers.get('retry-after'), '1', 'whole seconds, rounded up');
    assert.equal(limited.body.data.retryAfterSeconds, 1);
    // Another token has its own bucket.
    assert.equal((await t.api('GET', '/v1/status', undefined, t.appToken)).status, 200);
    // Requests without a valid token count per IP, in a bucket of their own.
    let ipLimited = 0;
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${t.url}/v1/status`, { headers: { authorization: 'Bearer lsr_guessing' } });
      await r.arrayBuffer();
      if (r.status === 429) {
        ipLimited++;
        assert.equal(r.headers.get('retry-after'), '1');
      } else assert.equal(r.status, 401);
    }
    assert.ok(ipLimited >= 3, 'guessing tokens from one IP is limited');
    assert.equal((await fetch(`${t.url}/healthz`)).status, 429, 'public routes share the IP bucket');
    assert.equal(
      (await t.api('GET', '/v1/status', undefined, t.appToken)).status,
      200,
      'a valid token is not held back by its IP',
    );
  } finally {
    await t.close();
  }
});

test('rate limiter: refills with time, never above the burst, Retry-After rounded up', () => {
  let now = 0;
  const rl = new RateLimiter({ perSecond: 2, burst: 3 }, () => now);
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0]);
  assert.equal(rl.take('a'), 1, 'empty: half a second to the next token, rounded up to 1 s');
  assert.equal(rl.take('b'), 0, 'keys are independent');
  now += 500;
  assert.equal(rl.take('a'), 0, 'one token after 0.5 s at 2/s');
  assert.equal(rl.take('a'), 1);
  now += 60_000;
  assert.deepEqual([rl.take('a'), rl.take('a'), rl.take('a'), rl.take('a')], [0, 0, 0, 1], 'refill stops at the burst');
  const slow = new RateLimiter({ perSecond: 1, burst: 1 }, () => now);
  assert.equal(slow.take('x'), 0);
  assert.equal(slow.take('x'), 1);
  now += 100;
  assert.equal(slow.take('x'), 1, '0.9 s left → 1');
  assert.equal(rl.size, 2);
});
