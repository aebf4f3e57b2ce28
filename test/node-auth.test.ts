import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonClient } from './support/http-client.js';
import { startTestNode } from './support/test-node.js';

test('auth: 401 without or with a bad token, 403 for the app role on admin routes, revoked tokens stop working', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  try {
    const none = await fetch(`${t.url}/v1/modules/4001/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ holderId: 'pc-1' }),
    });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('content-type') ?? '', /application\/problem\+json/);
    const body = (await none.json()) as { code: string; detail: string };
    assert.equal(body.code, 'UNAUTHENTICATED');
    assert.match(body.detail, /Authorization/);

    const bad = await t.api('GET', '/v1/status', undefined, 'lsr_app_not-a-real-token');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'UNAUTHENTICATED');

    for (const [method, path, payload] of [
      ['GET', '/v1/pools', undefined],
      ['GET', '/v1/pools/4001', undefined],
      ['GET', '/v1/events', undefined],
      ['GET', '/v1/tokens', undefined],
      ['POST', '/v1/tokens', { role: 'admin', name: 'escalation' }],
      ['POST', '/v1/modules/4001/leases/pc-1/revoke', undefined],
      ['DELETE', '/v1/tokens/tok_whatever', undefined],
    ] as const) {
      const r = await t.api(method, path, payload, t.appToken);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.code, 'FORBIDDEN');
    }

    // An admin creates an app token (secret shown once), lists it without the secret, revokes it.
    const created = await t.api('POST', '/v1/tokens', { role: 'app', name: 'till-7' });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /\S{20,}/);
    const list = await t.api('GET', '/v1/tokens');
    const row = list.body.tokens.find((x: { id: string }) => x.id === created.body.id);
    assert.ok(row);
    assert.equal(row.secret, undefined);
    assert.ok(!JSON.stringify(list.body).includes(created.body.secret), 'secrets are never listed');
    assert.equal(
      (await t.api('POST', '/v1/modules/4001/leases', { holderId: 'till-7' }, created.body.secret)).status,
      201,
    );

    assert.equal((await t.api('DELETE', `/v1/tokens/${created.body.id}`)).status, 200);
    const revoked = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'till-7' }, created.body.secret);
    assert.equal(revoked.status, 401);
    assert.equal(revoked.body.code, 'UNAUTHENTICATED');
    assert.equal((await t.api('DELETE', `/v1/tokens/${created.body.id}`)).status, 404, 'revoking twice');

    // Admin tokens may do client work too; health needs no token.
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'admin-pc' })).status, 201);
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  } finally {
    await t.close();
  }
});

test('Idempotency-Key: a retry replays the first answer; the same key with another body is refused', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const key = { 'idempotency-key': 'acquire-pc-1-attempt' };
    const first = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken, key);
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const retry = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken, key);
    assert.equal(retry.status, 201, 'the replay keeps the first status');
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);

    const reused = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-2' }, t.appToken, key);
    assert.equal(reused.status, 422);
    assert.equal(reused.body.code, 'IDEMPOTENCY_KEY_REUSED');

    // A refusal is replayed too, even after the slot frees up.
    const refusalKey = { 'idempotency-key': 'acquire-pc-3' };
    const refused = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-3' }, t.appToken, refusalKey);
    assert.equal(refused.status, 409);
    assert.equal((await t.api('DELETE', '/v1/modules/4001/leases/pc-1', undefined, t.appToken)).status, 200);
    const refusedAgain = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-3' }, t.appToken, refusalKey);
    assert.equal(refusedAgain.status, 409);
    assert.equal(refusedAgain.headers.get('idempotent-replayed'), 'true');
    assert.equal(refusedAgain.body.code, 'INSUFFICIENT_LICENSE');

    // Keys are per token: another token with the same key is a new request.
    const other = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-3' }, t.adminToken, refusalKey);
    assert.equal(other.status, 201, JSON.stringify(other.body));

    // The pool has exactly one holder: replays did not repeat the operation.
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 1);
  } finally {
    await t.close();
  }
});

test('Idempotency-Key: concurrent requests with one key run the operation once', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 50 }] });
  const client = new JsonClient(t.url, t.appToken, 40);
  try {
    // Same key, same body (a client retrying while the first attempt is still in flight): one 201, the rest replay it.
    const same = await Promise.all(
      Array.from({ length: 20 }, () =>
        client.request('POST', '/v1/modules/4001/leases', { holderId: 'retrier' }, { 'idempotency-key': 'k-same' }),
      ),
    );
    assert.ok(same.every((r) => r.status === 201));
    assert.equal(same.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 19);
    assert.equal(new Set(same.map((r) => r.body.leaseId)).size, 1);

    // Same key, different bodies: exactly one runs, the others are refused.
    const mixed = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.request('POST', '/v1/modules/4001/leases', { holderId: `h-${i}` }, { 'idempotency-key': 'k-mixed' }),
      ),
    );
    assert.equal(mixed.filter((r) => r.status === 201).length, 1);
    assert.equal(mixed.filter((r) => r.status === 422 && r.body.code === 'IDEMPOTENCY_KEY_REUSED').length, 39);
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 2);
  } finally {
    client.close();
    await t.close();
  }
});

test('validation: bad fields are named, unknown modules are 404, oversized bodies 413, unknown routes 404', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const abc = await t.api('POST', '/v1/modules/abc/leases', { holderId: 'pc-1' }, t.appToken);
    assert.equal(abc.status, 400);
    assert.equal(abc.body.code, 'VALIDATION_FAILED');
    assert.match(abc.body.field, /moduleId/);
    assert.match(abc.body.detail, /moduleId/);

    const noHolder = await t.api('POST', '/v1/modules/4001/leases', {}, t.appToken);
    assert.equal(noHolder.status, 400);
    assert.match(noHolder.body.field, /holderId/);
    assert.match(noHolder.body.detail, /holderId is required/);

    const extra = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1', admin: true }, t.appToken);
    assert.equal(extra.status, 400);
    assert.match(extra.body.field, /admin/);

    const spaces = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'has spaces' }, t.appToken);
    assert.equal(spaces.status, 400);
    assert.match(spaces.body.field, /holderId/);

    const unknown = await t.api('POST', '/v1/modules/999999/leases', { holderId: 'pc-1' }, t.appToken);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'MODULE_UNKNOWN');

    const wrongKind = await t.api('PUT', '/v1/modules/4001/quota', { count: 1 }, t.appToken);
    assert.equal(wrongKind.status, 409);
    assert.equal(wrongKind.body.code, 'MODULE_KIND_MISMATCH');

    const huge = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'x'.repeat(300 * 1024) }, t.appToken);
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'PAYLOAD_TOO_LARGE');

    const notJson = await fetch(`${t.url}/v1/modules/4001/leases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.appToken}`, 'content-type': 'application/json' },
      body: '{"holderId":',
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { code: string }).code, 'VALIDATION_FAILED');

    const route = await t.api('GET', '/v1/nothing-here');
    assert.equal(route.status, 404);
    assert.equal(route.body.code, 'NOT_FOUND');

    // Nothing half-written: the pool is still empty.
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 0);
  } finally {
    await t.close();
  }
});
