import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ID_MAX_LENGTH } from '@licensor/protocol';
import fc from 'fast-check';
import { openRawSession } from './support/raw-session.js';
import { startTestNode } from './support/test-node.js';

/** Cases per message; override with LICENSOR_FUZZ_RUNS like the fuzz suite. */
const RUNS = Number(process.env.LICENSOR_FUZZ_RUNS ?? 60);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The JSON type of a value, as a schema sees it. */
const kind = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

/** A value of another JSON type than `valid` (an integer where a string is expected, a string of digits where an integer is, …). */
const wrongType = (valid: unknown) =>
  fc
    .oneof(
      fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, '12', '', [], {}, ['x'], [1], { a: 1 }),
      fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    )
    .filter((v) => kind(v) !== kind(valid) && !(kind(valid) === 'integer' && typeof v === 'number'));

/** Nested lists and objects `depth` deep. */
const nested = fc.integer({ min: 2, max: 64 }).map((depth) => {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { x: v } : [v];
  return v;
});

/** A field name no message has. */
const unknownField = fc
  .string({ minLength: 1, maxLength: 20 })
  .filter(
    (k) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) &&
      ![
        'holderId',
        'count',
        'features',
        'role',
        'name',
        'active',
        'leaseId',
        'customerName',
        'currency',
        'customerId',
        'operation',
        'memberId',
        'moduleId',
        'id',
        'op',
        'leases',
      ].includes(k),
  );

/** One way to break a valid message: which field, and what it becomes (undefined value = an unknown field is added). */
function mutation(valid: Record<string, Json>, idFields: string[]) {
  const keys = Object.keys(valid);
  return fc.oneof(
    fc.constantFrom(...keys).chain((k) => wrongType(valid[k]).map((v) => ({ field: k, body: { ...valid, [k]: v } }))),
    fc.constantFrom(...keys).chain((k) => nested.map((v) => ({ field: k, body: { ...valid, [k]: v } }))),
    unknownField.chain((k) =>
      fc.jsonValue({ maxDepth: 1 }).map((v) => ({ field: k, body: { ...valid, [k]: v as Json } })),
    ),
    ...(idFields.length
      ? [
          fc
            .constantFrom(...idFields)
            .map((k) => ({ field: k, body: { ...valid, [k]: 'x'.repeat(ID_MAX_LENGTH + 1) } })),
        ]
      : []),
  );
}

test('property: every route message and session message refuses wrong types, nesting, over-long ids and unknown fields with a 4xx naming the field, and changes nothing', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 3 },
      { moduleId: 2001, quantity: 2 },
      { moduleId: 2101, quantity: null },
      { moduleId: 3001, quantity: 5 },
    ],
    flags: { rateLimitPerSecond: '0' },
  });
  const session = await openRawSession(t.url, t.appToken);
  const { node } = t.running;
  try {
    await t.api('PUT', '/v1/modules/3001/quota', { count: 3 }, t.appToken);
    await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-1' }, t.appToken);
    const state = async () =>
      JSON.stringify([
        node.pools.listPools(),
        await node.store.loadPools(),
        await node.store.listTokens(),
        (await node.store.listEvents({ after: 0, limit: 10_000 })).length,
        (await t.api('GET', '/v1/billing/accounts')).body,
      ]);
    const before = await state();

    const routes: { method: string; path: string; valid: Record<string, Json>; ids: string[]; token: string }[] = [
      {
        method: 'POST',
        path: '/v1/modules/4001/leases',
        valid: { holderId: 'pos-2' },
        ids: ['holderId'],
        token: t.appToken,
      },
      {
        method: 'POST',
        path: '/v1/modules/4001/leases/pos-1/heartbeat',
        valid: { leaseId: 'lea_x', active: true },
        ids: [],
        token: t.appToken,
      },
      { method: 'PUT', path: '/v1/modules/3001/quota', valid: { count: 4 }, ids: [], token: t.appToken },
      {
        method: 'PUT',
        path: '/v1/modules/2001/members/reg-1',
        valid: { features: [2101] },
        ids: [],
        token: t.appToken,
      },
      {
        method: 'POST',
        path: '/v1/modules/2001/profile-check',
        valid: { features: [2101] },
        ids: [],
        token: t.appToken,
      },
      { method: 'POST', path: '/v1/tokens', valid: { role: 'app', name: 'n' }, ids: [], token: t.adminToken },
      {
        method: 'POST',
        path: '/v1/billing/accounts',
        valid: { customerName: 'c', customerId: 'cus_1', currency: 'EUR' },
        ids: ['customerId'],
        token: t.adminToken,
      },
      { method: 'PUT', path: '/v1/license', valid: { license: 'x' }, ids: [], token: t.adminToken },
    ];
    let cases = 0;
    for (const r of routes) {
      await fc.assert(
        fc.asyncProperty(mutation(r.valid, r.ids), async ({ field, body }) => {
          cases++;
          const res = await t.api(r.method, r.path, body, r.token);
          const label = `${r.method} ${r.path} ${JSON.stringify(body).slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
          assert.equal(res.status, 400, label);
          assert.equal(res.body.code, 'VALIDATION_FAILED', label);
          // The JSON parser refuses prototype keys before any schema sees them, without naming a field.
          if (!/"(__proto__|constructor)"/.test(JSON.stringify(body)))
            assert.ok(res.body.field === `body.${field}` || res.body.field?.startsWith(`body.${field}.`), label);
          assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, label);
        }),
        { numRuns: RUNS },
      );
    }

    const messages: { valid: Record<string, Json>; ids: string[] }[] = [
      { valid: { id: 1, op: 'acquire', moduleId: 4001, holderId: 'pos-3' }, ids: ['holderId'] },
      { valid: { id: 1, op: 'release', moduleId: 4001, holderId: 'pos-3', leaseId: 'lea_x' }, ids: ['holderId'] },
      { valid: { id: 1, op: 'member.sync', moduleId: 2001, memberId: 'reg-2', features: [] }, ids: ['memberId'] },
      { valid: { id: 1, op: 'quota.report', moduleId: 3001, count: 4 }, ids: [] },
      { valid: { id: 1, op: 'quota.check', moduleId: 3001, operation: 'accept-new-data' }, ids: [] },
      { valid: { id: 1, op: 'profile.check', moduleId: 2001, features: [2101] }, ids: [] },
      { valid: { id: 1, op: 'enabled', moduleId: 4001 }, ids: [] },
      {
        valid: {
          id: 1,
          op: 'heartbeat',
          leases: [{ moduleId: 4001, holderId: 'pos-1', leaseId: 'lea_x', active: true }],
        },
        ids: [],
      },
    ];
    let next = 1;
    for (const m of messages) {
      // `id` and `op` route the answer; they are checked on their own (below), the other fields here.
      const keys = Object.keys(m.valid).filter((k) => k !== 'id' && k !== 'op');
      const valid = Object.fromEntries(keys.map((k) => [k, m.valid[k] as Json]));
      await fc.assert(
        fc.asyncProperty(mutation(valid, m.ids), async ({ field, body }) => {
          cases++;
          const id = ++next;
          const answer = await session.request({ id, op: m.valid.op, ...body });
          const label = `${m.valid.op} ${JSON.stringify(body).slice(0, 200)} → ${JSON.stringify(answer).slice(0, 200)}`;
          assert.equal(answer.ok, false, label);
          assert.equal(answer.id, id, label);
          assert.equal(answer.error.code, 'VALIDATION_FAILED', label);
          assert.ok(answer.error.field === field || answer.error.field?.startsWith(`${field}.`), label);
        }),
        { numRuns: RUNS },
      );
    }
    for (const bad of [0, -1, 1.5, '1', null, true]) {
      const answer = await session.request({ id: bad, op: 'status' }, typeof bad === 'number' ? bad : 0);
      assert.deepEqual([answer.ok, answer.error.field], [false, 'id']);
    }

    assert.equal(await state(), before, 'no refused message changed anything');
    console.log(
      `property suite: ${cases} refused messages over ${routes.length} routes and ${messages.length} session operations, state unchanged`,
    );
  } finally {
    session.close();
    await t.close();
  }
});
