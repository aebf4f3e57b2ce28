import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

test('Idempotency-Key on an admin route (token creation) replays the first answer instead of acting twice', async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  try {
    const headers = { 'idempotency-key': 'create-pos-token-1' };
    const a = await n.api('POST', '/v1/tokens', { role: 'app', name: 'pos' }, n.adminToken, headers);
    const b = await n.api('POST', '/v1/tokens', { role: 'app', name: 'pos' }, n.adminToken, headers);
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    assert.equal(b.body.id, a.body.id);
    const list = await n.api('GET', '/v1/tokens');
    assert.equal(list.body.tokens.filter((t: { name: string }) => t.name === 'pos').length, 1);
    const other = await n.api('POST', '/v1/tokens', { role: 'admin', name: 'pos' }, n.adminToken, headers);
    assert.equal(other.status, 422);
    assert.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED');
  } finally {
    await n.close();
  }
});

test('a register re-syncing without features is judged on its stored profile; a malformed profile is refused unstored', async () => {
  const n = await startTestNode({
    entitlements: [
      { moduleId: 2001, quantity: 3 },
      { moduleId: 2101, quantity: null },
    ],
  });
  try {
    const first = await n.api('PUT', '/v1/modules/2001/members/reg-1', { features: [2101, 2105] }, n.appToken);
    assert.equal(first.body.state, 'blocked');
    assert.deepEqual(first.body.missingFeatures, [2105]);
    const resync = await n.api('PUT', '/v1/modules/2001/members/reg-1', undefined, n.appToken);
    assert.equal(resync.status, 200);
    assert.equal(resync.body.state, 'blocked', 'the stored profile still enables an unlicensed add-on');
    assert.deepEqual(resync.body.reasons, ['features_unlicensed']);
    const bad = await n.api('PUT', '/v1/modules/2001/members/reg-2', { features: [4001] }, n.appToken);
    assert.equal(bad.status, 409);
    assert.equal(bad.body.code, 'MODULE_KIND_MISMATCH');
    const pool = await n.api('GET', '/v1/pools/2001');
    assert.deepEqual(
      pool.body.members.map((m: { memberId: string }) => m.memberId),
      ['reg-1'],
      'the refused register was not stored',
    );
    const fixed = await n.api('PUT', '/v1/modules/2001/members/reg-1', { features: [2101] }, n.appToken);
    assert.equal(fixed.body.state, 'active');
  } finally {
    await n.close();
  }
});
