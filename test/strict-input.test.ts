import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ID_MAX_LENGTH } from '@licensor/protocol';
import { openRawSession } from './support/raw-session.js';
import { startTestNode } from './support/test-node.js';

const WRONG_TYPES: unknown[] = [null, '12', true, false, ['x'], 1.5, {}];

test('no coercion: a field of the wrong JSON type is 400 naming the field, over HTTP and the session, and nothing changes', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 3001, quantity: 100 },
      { moduleId: 4001, quantity: 3 },
    ],
    flags: { rateLimitPerSecond: '0' },
  });
  const session = await openRawSession(t.url, t.appToken);
  try {
    const over = await t.api('PUT', '/v1/modules/3001/quota', { count: 101 }, t.appToken);
    assert.equal(over.body.state, 'over_quota');
    const tokensBefore = (await t.api('GET', '/v1/tokens')).body.tokens.length;
    let id = 1;
    for (const bad of WRONG_TYPES) {
      const label = JSON.stringify(bad);
      const quota = await t.api('PUT', '/v1/modules/3001/quota', { count: bad }, t.appToken);
      assert.deepEqual(
        [quota.status, quota.body.code, quota.body.field],
        [400, 'VALIDATION_FAILED', 'body.count'],
        label,
      );
      assert.match(quota.body.detail, /^body\.count /);
      const overSession = await session.request({ id: id++, op: 'quota.report', moduleId: 3001, count: bad });
      assert.deepEqual(
        [overSession.ok, overSession.error.code, overSession.error.field],
        [false, 'VALIDATION_FAILED', 'count'],
        label,
      );

      // Where a string is expected, a number, boolean, list, object or null is refused (a string of digits is a string).
      const notText = typeof bad === 'string' ? 12 : bad;
      const acquire = await t.api('POST', '/v1/modules/4001/leases', { holderId: notText }, t.appToken);
      assert.deepEqual([acquire.status, acquire.body.field], [400, 'body.holderId'], label);
      const acquireSession = await session.request({ id: id++, op: 'acquire', moduleId: 4001, holderId: notText });
      assert.deepEqual([acquireSession.ok, acquireSession.error.field], [false, 'holderId'], label);

      const token = await t.api('POST', '/v1/tokens', { role: 'app', name: notText });
      assert.deepEqual([token.status, token.body.field], [400, 'body.name'], label);
      const heartbeat = await t.api(
        'POST',
        '/v1/modules/4001/leases/pos-1/heartbeat',
        { active: bad === true || bad === false ? 'yes' : bad },
        t.appToken,
      );
      assert.deepEqual([heartbeat.status, heartbeat.body.field], [400, 'body.active'], label);
      const moduleAsText = await session.request({ id: id++, op: 'enabled', moduleId: '4001' });
      assert.deepEqual([moduleAsText.ok, moduleAsText.error.field], [false, 'moduleId']);
    }
    // Nothing changed: the Processing Center is still over its quota, no slot was taken, no token was made.
    const pool = await t.api('GET', '/v1/pools/3001');
    assert.deepEqual([pool.body.quota.state, pool.body.quota.count], ['over_quota', 101]);
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 0);
    assert.equal((await t.api('GET', '/v1/tokens')).body.tokens.length, tokensBefore);

    // Unknown fields: refused in bodies, queries and session messages alike.
    const extraBody = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-1', priority: 1 }, t.appToken);
    assert.deepEqual(
      [extraBody.status, extraBody.body.field, extraBody.body.detail],
      [400, 'body.priority', 'body.priority is not an accepted field'],
    );
    for (const path of [
      '/v1/events?after=0&bogus=1',
      '/v1/pools?verbose=1',
      '/v1/tokens?all=true',
      '/v1/audit?limit=5&x=',
      '/v1/status?debug=1',
    ]) {
      const r = await t.api('GET', path);
      assert.deepEqual([r.status, r.body.code], [400, 'VALIDATION_FAILED'], path);
      assert.match(r.body.field, /^querystring\./, path);
    }
    const extraRelease = await t.api(
      'DELETE',
      '/v1/modules/4001/leases/pos-1?leaseId=l&force=1',
      undefined,
      t.appToken,
    );
    assert.deepEqual([extraRelease.status, extraRelease.body.field], [400, 'querystring.force']);
    const extraSession = await session.request({
      id: id++,
      op: 'acquire',
      moduleId: 4001,
      holderId: 'pos-1',
      priority: 1,
    });
    assert.deepEqual([extraSession.ok, extraSession.error.field], [false, 'priority']);

    // Query and path integers are decimal digits, nothing else.
    for (const v of ['0x10', '1e2', '%2012', '12abc', '', '1&limit=2']) {
      const r = await t.api('GET', `/v1/events?limit=${v}`);
      assert.deepEqual([r.status, r.body.code], [400, 'VALIDATION_FAILED'], v);
    }
    for (const v of ['0x0FA1', '4e3', '%204001'])
      assert.equal((await t.api('GET', `/v1/modules/${v}/enabled`, undefined, t.appToken)).status, 400, v);
    assert.equal((await t.api('GET', '/v1/events?limit=10&after=0')).status, 200);
    assert.equal((await t.api('GET', '/v1/modules/4001/enabled', undefined, t.appToken)).status, 200);
    assert.equal(
      (await t.api('GET', '/v1/pools/4001')).body.summary.used,
      0,
      'nothing acquired by any refused request',
    );
  } finally {
    session.close();
    await t.close();
  }
});

test('one id rule: an id of the longest accepted length can be acquired, released and removed by body, path and session; one longer is refused everywhere', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 3 },
      { moduleId: 2001, quantity: 3 },
    ],
    flags: { rateLimitPerSecond: '0' },
  });
  const session = await openRawSession(t.url, t.appToken);
  try {
    // The longest id, full of characters a path must encode.
    const longest = `a/b%c?d#e${'~'.repeat(ID_MAX_LENGTH - 9)}`;
    assert.equal(longest.length, ID_MAX_LENGTH);
    const enc = encodeURIComponent(longest);
    const acquired = await t.api('POST', '/v1/modules/4001/leases', { holderId: longest }, t.appToken);
    assert.equal(acquired.status, 201, JSON.stringify(acquired.body));
    assert.equal((await t.api('POST', `/v1/modules/4001/leases/${enc}/heartbeat`, {}, t.appToken)).status, 200);
    const released = await t.api('DELETE', `/v1/modules/4001/leases/${enc}`, undefined, t.appToken);
    assert.deepEqual([released.status, released.body.released], [200, true]);

    const bySession = await session.request({ id: 1, op: 'acquire', moduleId: 4001, holderId: longest });
    assert.equal(bySession.ok, true, JSON.stringify(bySession));
    const revoked = await t.api('POST', `/v1/modules/4001/leases/${enc}/revoke`);
    assert.deepEqual([revoked.status, revoked.body.released], [200, true]);

    const member = await t.api('PUT', `/v1/modules/2001/members/${enc}`, {}, t.appToken);
    assert.equal(member.status, 200, JSON.stringify(member.body));
    assert.equal((await t.api('DELETE', `/v1/modules/2001/members/${enc}`)).status, 200);
    assert.equal((await t.api('GET', '/v1/pools/2001')).body.members.length, 0);

    const tooLong = `${longest}x`;
    const encLong = encodeURIComponent(tooLong);
    const refusals = [
      await t.api('POST', '/v1/modules/4001/leases', { holderId: tooLong }, t.appToken),
      await t.api('DELETE', `/v1/modules/4001/leases/${encLong}`, undefined, t.appToken),
      await t.api('PUT', `/v1/modules/2001/members/${encLong}`, {}, t.appToken),
      await t.api('GET', `/v1/nodes/${encLong}`),
    ];
    for (const r of refusals) {
      assert.deepEqual([r.status, r.body.code], [400, 'VALIDATION_FAILED'], JSON.stringify(r.body));
      assert.match(r.body.detail, new RegExp(`must NOT have more than ${ID_MAX_LENGTH} characters`));
    }
    const sessionLong = await session.request({ id: 2, op: 'acquire', moduleId: 4001, holderId: tooLong });
    assert.match(sessionLong.error.detail, new RegExp(`holderId must NOT have more than ${ID_MAX_LENGTH} characters`));
    for (const bad of ['has space', 'tab\there', 'é', '']) {
      const r = await t.api('POST', '/v1/modules/4001/leases', { holderId: bad }, t.appToken);
      assert.equal(r.status, 400, bad);
      const s = await session.request({ id: 3, op: 'acquire', moduleId: 4001, holderId: bad });
      assert.equal(s.error.code, 'VALIDATION_FAILED', bad);
    }
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 0);
  } finally {
    session.close();
    await t.close();
  }
});

test('the bearer scheme is case-insensitive, on routes and sessions', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 3 }] });
  try {
    for (const scheme of ['bearer', 'BEARER', 'Bearer', 'bEaReR']) {
      const r = await fetch(`${t.url}/v1/status`, { headers: { authorization: `${scheme} ${t.appToken}` } });
      assert.equal(r.status, 200, scheme);
      const s = await openRawSession(t.url, t.appToken, scheme);
      assert.equal((await s.request({ id: 1, op: 'status' })).ok, true, scheme);
      s.close();
    }
    for (const header of [`Basic ${t.appToken}`, `Bearer${t.appToken}`, 'bearer ', t.appToken]) {
      const r = await fetch(`${t.url}/v1/status`, { headers: { authorization: header } });
      assert.equal(r.status, 401, header);
    }
  } finally {
    await t.close();
  }
});
