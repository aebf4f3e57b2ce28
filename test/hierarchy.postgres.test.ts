// The enterprise tree on two Licensor processes sharing one PostgreSQL database (behind a load balancer): a child
// registered through one process is served by the other, allocations made on either reach it, and two allocations
// racing on different processes never sum above what the node holds.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { newId, verifyAllocationDocument } from '@licensor/protocol';
import { lockPostgres, SKIP_POSTGRES, type TestSchema, testSchema } from './support/postgres.js';
import { startTestNode, type TestNode } from './support/test-node.js';

describe('enterprise tree on two processes sharing PostgreSQL', { skip: SKIP_POSTGRES, timeout: 120_000 }, () => {
  const issuerKeys = generateKeyPairSync('ed25519');
  const hardwareKey = 'd'.repeat(64);
  let schema: TestSchema;
  let unlock: () => void = () => undefined;
  let a: TestNode;
  let b: TestNode;
  let nodeToken: string;

  before(async () => {
    unlock = await lockPostgres();
    schema = testSchema();
    const opts = {
      issuerKeys,
      hardwareKey,
      scope: 'centralized' as const,
      entitlements: [
        { moduleId: 2001, quantity: 6 },
        { moduleId: 1003, quantity: 1 },
      ],
      flags: { store: schema.url },
    };
    a = await startTestNode(opts);
    b = await startTestNode(opts);
    nodeToken = (await a.api('POST', '/v1/tokens', { role: 'node', name: 'sites' })).body.secret;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
    unlock();
  });

  const sync = (n: TestNode, hw: string, name: string, countedAs: number | null = null) =>
    n.api(
      'POST',
      '/v1/nodes/sync',
      {
        hardwareKey: hw,
        name,
        countedAs,
        publicKey: 'ed25519:test',
        allocationSeq: null,
        licenseState: 'missing',
        usage: [],
        children: [],
      },
      nodeToken,
    );

  it('registers once whichever process the child reaches, and serves allocations made on the other', async () => {
    const hw = 'e'.repeat(64);
    const first = await sync(a, hw, 'site X');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const again = await sync(b, hw, 'site X');
    assert.equal(again.body.nodeId, first.body.nodeId, 'one registration across processes');
    assert.equal(again.body.parent.publicKey, first.body.parent.publicKey, 'both processes sign as the same node');
    assert.equal(
      (await b.api('PUT', `/v1/nodes/${first.body.nodeId}/allocation`, { modules: { 2001: 4 } })).status,
      200,
    );
    // Process A hears the allocation made on B from the events feed and stops granting the share, before any sync
    // reaches it: the pool's owner, whichever process it is, never hands out what a child was just given.
    let quantity = -1;
    for (let i = 0; i < 40 && quantity !== 2; i++) {
      quantity = (await a.api('GET', '/v1/pools/2001')).body.summary.quantity;
      if (quantity !== 2) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(quantity, 2, 'the allocation made on B reached the pools of A within 2 s');
    const served = await sync(a, hw, 'site X');
    assert.ok(served.body.allocation, 'process A hands out the allocation made on B');
    const v = verifyAllocationDocument(served.body.allocation, {
      issuerPublicKey: a.publicKey,
      hardwareKey: hw,
      at: Date.now(),
    });
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.deepEqual(v.value.payload.entitlements, [{ moduleId: 2001, quantity: 4 }]);
    assert.equal((await a.api('GET', '/v1/nodes')).body.allocated[2001], 4);
    // Both processes keep the rest for their own clients.
    assert.equal((await a.api('GET', '/v1/pools/2001')).body.summary.quantity, 2);
  });

  it('two allocations racing on two processes never exceed the holding', async () => {
    const y = await sync(a, 'f'.repeat(64), 'site Y');
    const z = await sync(b, '9'.repeat(64), 'site Z');
    // Counted in one pool across both processes, whatever the child asked: 1003 allows one, site X came first.
    assert.equal(y.body.state, 'blocked', JSON.stringify(y.body));
    assert.equal(z.body.state, 'blocked', JSON.stringify(z.body));
    // Site X holds 4 of 6; Y and Z each ask for the remaining 2 at the same moment, through different processes.
    const [ry, rz] = await Promise.all([
      a.api('PUT', `/v1/nodes/${y.body.nodeId}/allocation`, { modules: { 2001: 2 } }, undefined, {
        'idempotency-key': newId('k'),
      }),
      b.api('PUT', `/v1/nodes/${z.body.nodeId}/allocation`, { modules: { 2001: 2 } }, undefined, {
        'idempotency-key': newId('k'),
      }),
    ]);
    const statuses = [ry.status, rz.status].sort();
    assert.deepEqual(statuses, [200, 409], JSON.stringify([ry.body, rz.body]));
    assert.equal([ry, rz].find((r) => r.status === 409)?.body.code, 'ALLOCATION_EXCEEDED');
    assert.equal((await b.api('GET', '/v1/nodes')).body.allocated[2001], 6);
  });

  it('withdraws a blocked child signed, on either process, and serves the next in order when an earlier one is forgotten', async () => {
    // Whichever of Y and Z won the race above, Y now holds 2 registers and Z none.
    const ids = Object.fromEntries(
      (await a.api('GET', '/v1/nodes')).body.items.map((i: { name: string; id: string }) => [i.name, i.id]),
    );
    assert.equal((await a.api('PUT', `/v1/nodes/${ids['site Z']}/allocation`, { modules: { 2001: 0 } })).status, 200);
    assert.equal((await b.api('PUT', `/v1/nodes/${ids['site Y']}/allocation`, { modules: { 2001: 2 } })).status, 200);
    const y = await sync(b, 'f'.repeat(64), 'site Y');
    assert.equal(y.body.state, 'blocked');
    const withdrawal = verifyAllocationDocument(y.body.allocation, {
      issuerPublicKey: a.publicKey,
      hardwareKey: 'f'.repeat(64),
      at: Date.now(),
    });
    assert.ok(withdrawal.ok, withdrawal.ok ? '' : withdrawal.message);
    assert.deepEqual(withdrawal.value.payload.entitlements, [], 'a withdrawal grants nothing');
    const again = await sync(a, 'f'.repeat(64), 'site Y');
    const same = verifyAllocationDocument(again.body.allocation, {
      issuerPublicKey: a.publicKey,
      hardwareKey: 'f'.repeat(64),
      at: Date.now(),
    });
    assert.ok(same.ok);
    assert.equal(same.value.payload.seq, withdrawal.value.payload.seq, 'one withdrawal, whichever process answers');
    assert.equal((await b.api('DELETE', `/v1/nodes/${ids['site X']}`)).status, 200);
    const served = await sync(a, 'f'.repeat(64), 'site Y');
    assert.equal(served.body.state, 'active', JSON.stringify(served.body));
    const doc = verifyAllocationDocument(served.body.allocation, {
      issuerPublicKey: a.publicKey,
      hardwareKey: 'f'.repeat(64),
      at: Date.now(),
    });
    assert.ok(doc.ok);
    assert.ok(doc.value.payload.seq > withdrawal.value.payload.seq, 'served again above the withdrawal');
    assert.deepEqual(
      doc.value.payload.entitlements,
      [{ moduleId: 2001, quantity: 2 }],
      'its allocation was kept for it while blocked',
    );
    assert.equal((await sync(b, '9'.repeat(64), 'site Z')).body.state, 'blocked', 'site Z, behind Y, stays blocked');
  });
});
