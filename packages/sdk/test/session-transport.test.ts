import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AuthenticationError,
  ConnectionError,
  InsufficientLicenseError,
  LeaseLostError,
  LicensingClient,
  type LicensingError,
} from '@licensor/sdk';
import { type FakeNode, startFakeNode } from './support/fake-node.js';
import { until } from './support/node-helpers.js';

// Transport mechanics against a scripted node (no store, no policies): multiplexing, pushes, batching, reconnects.
let node: FakeNode;
before(async () => {
  node = await startFakeNode({ quantities: { 100: 2, 200: 1 }, heartbeatIntervalMs: 50 });
});
after(() => node.close());

test('session: connects lazily, multiplexes concurrent requests over one socket', async () => {
  const before = node.connections;
  const client = new LicensingClient({ url: node.url, token: node.token });
  assert.equal(node.connections, before);
  const [a, b, enabled] = await Promise.all([
    client.acquireSlot(100, 'dev-a'),
    client.acquireSlot(100, 'dev-b'),
    client.isEnabled(100),
  ]);
  assert.equal(node.connections, before + 1);
  assert.notEqual(a.leaseId, b.leaseId);
  assert.equal(enabled, true);
  assert.equal(client.session?.heartbeatIntervalMs, 50);
  await client.close({ release: true });
  assert.equal(node.leases.size, 0);
});

test('session: a refused acquire rejects with InsufficientLicenseError carrying the node detail', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  await using _held = await client.acquireSlot(200, 'first');
  await assert.rejects(client.acquireSlot(200, 'second'), (err: LicensingError) => {
    assert.ok(err instanceof InsufficientLicenseError);
    assert.match(err.message, /connections exceeded: 1 of 1 in use/);
    return true;
  });
});

test('session: the same device twice on one client gives the same Lease object and one slot', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  const a = await client.acquireSlot(200, 'dev-x');
  const b = await client.acquireSlot(200, 'dev-x');
  assert.equal(a, b);
  assert.equal(b.reacquired, true);
  await a.release();
  await b.release();
  assert.equal(node.leases.size, 0);
});

test('session: heartbeats are batched, one message per tick for every lease, and carry touch() activity', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  await using a = await client.acquireSlot(100, 'hb-a');
  await using b = await client.acquireSlot(100, 'hb-b');
  const start = node.received.length;
  b.touch();
  await until(() => node.received.slice(start).some((r) => r.op === 'heartbeat'), 'the expected wire traffic');
  const beats = node.received.slice(start).filter((r) => r.op === 'heartbeat');
  const first = beats[0];
  assert.ok(first && first.op === 'heartbeat');
  assert.deepEqual(
    first.leases.map((l) => [l.holderId, l.active]),
    [
      [a.holderId, false],
      [b.holderId, true],
    ],
  );
  // The activity flag is consumed by the heartbeat that carried it.
  await until(
    () => node.received.slice(start).filter((r) => r.op === 'heartbeat').length >= 2,
    'the expected wire traffic',
  );
  const second = node.received.slice(start).filter((r) => r.op === 'heartbeat')[1];
  assert.ok(second && second.op === 'heartbeat' && second.leases.every((l) => !l.active));
});

test('session: a heartbeat answered ok:false makes the lease lost with the error', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  const lease = await client.acquireSlot(100, 'hb-lost');
  node.leases.delete('100/hb-lost');
  const err = await lease.lost;
  assert.ok(err instanceof LeaseLostError);
  assert.equal(err.code, 'LEASE_NOT_FOUND');
  assert.equal(lease.isLost, true);
  assert.deepEqual(client.leases(), []);
  await lease.release(); // releasing a lost lease is a no-op
});

test('session: a lease.lost push runs onLost and the leaseLost event', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token, heartbeatIntervalMs: 60_000 });
  const lease = await client.acquireSlot(100, 'pushed');
  const seen: string[] = [];
  lease.onLost((e) => seen.push(`lease:${e.code}`));
  client.on('leaseLost', (l, e) => seen.push(`client:${l.holderId}:${e.code}`));
  node.revoke(100, 'pushed');
  await lease.lost;
  assert.deepEqual(seen, ['lease:LEASE_NOT_FOUND', 'client:pushed:LEASE_NOT_FOUND']);
});

test('session: member, quota and license pushes become typed client events', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  await client.status();
  const got: string[] = [];
  client.on('memberState', (m) => got.push(`member ${m.memberId} ${m.state}`));
  client.on('quotaState', (q) => got.push(`quota ${q.state}`));
  client.on('licenseState', (l) => got.push(`license ${l.state}`));
  node.pushAll({ push: 'member.state', moduleId: 5, memberId: 'reg-3', state: 'blocked', position: 3, quantity: 2 });
  node.pushAll({ push: 'quota.state', moduleId: 6, state: 'over_quota', count: 12, quantity: 10 });
  node.pushAll({ push: 'license.state', state: 'expired', detail: 'license expired' });
  await until(() => got.length === 3, 'the expected wire traffic');
  assert.deepEqual(got, ['member reg-3 blocked', 'quota over_quota', 'license expired']);
});

test('session: after a dropped socket the client reconnects and re-takes its lease with the same leaseId', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token, heartbeatIntervalMs: 60_000 });
  const lease = await client.acquireSlot(100, 'roamer');
  const leaseId = lease.leaseId;
  const events: string[] = [];
  client.on('disconnected', () => events.push('down'));
  client.on('connected', (_h, reconnected) => events.push(reconnected ? 'again' : 'first'));
  const start = node.received.length;
  node.dropAll();
  await until(
    () => node.received.slice(start).some((r) => r.op === 'acquire' && r.holderId === 'roamer'),
    'the expected wire traffic',
  );
  await until(() => events.includes('again'), 'the expected wire traffic');
  assert.equal(lease.leaseId, leaseId);
  assert.equal(lease.isLost, false);
  assert.deepEqual(events.slice(0, 1), ['down']);
  await lease.release();
});

test('session: a request in flight on a dropped socket is retried once after the reconnect', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token });
  await client.status();
  node.swallow.add('enabled');
  const pending = client.isEnabled(100);
  await until(() => node.received.some((r) => r.op === 'enabled'), 'the expected wire traffic');
  node.swallow.delete('enabled');
  node.dropAll();
  assert.equal(await pending, true);
});

test('session: a request rejects with ConnectionError when the node cannot be reached twice', async () => {
  const dead = await startFakeNode({ quantities: {} });
  const url = dead.url;
  await dead.close();
  await using client = new LicensingClient({ url, token: 'x', maxReconnectDelayMs: 50 });
  await assert.rejects(
    client.status(),
    (err: LicensingError) => err instanceof ConnectionError && err.code === 'CONNECTION_FAILED',
  );
});

test('session: a request with no answer rejects with REQUEST_TIMEOUT', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.token, requestTimeoutMs: 150 });
  await client.status();
  node.swallow.add('status');
  try {
    await assert.rejects(
      client.status(),
      (err: LicensingError) => err instanceof ConnectionError && err.code === 'REQUEST_TIMEOUT',
    );
  } finally {
    node.swallow.delete('status');
  }
});

test('session: a refused token rejects with AuthenticationError, without retry loops', async () => {
  await using client = new LicensingClient({ url: node.url, token: 'wrong' });
  const before = node.connections;
  await assert.rejects(
    client.status(),
    (err: LicensingError) => err instanceof AuthenticationError && err.code === 'UNAUTHENTICATED' && err.status === 401,
  );
  await sleep(150);
  assert.equal(node.connections, before);
});

test('session: leases are declared lost when the session stays down past the grace', async () => {
  const flaky = await startFakeNode({ quantities: { 100: 1 } });
  const client = new LicensingClient({ url: flaky.url, token: flaky.token, graceMs: 100, maxReconnectDelayMs: 50 });
  const lease = await client.acquireSlot(100, 'far-away');
  await flaky.close();
  const err = await lease.lost;
  assert.ok(err instanceof ConnectionError);
  await client.close();
});

test(
  'session: a lease no answer renewed for its time to live is lost then, however long the advertised grace',
  { timeout: 10_000 },
  async () => {
    // The node frees a slot one time-to-live after its last heartbeat whatever grace a session is promised: the client
    // must not go on working on it (three 50 ms intervals here), while another device may hold it.
    const flaky = await startFakeNode({ quantities: { 100: 1 }, heartbeatIntervalMs: 50, graceMs: 3_600_000 });
    const client = new LicensingClient({ url: flaky.url, token: flaky.token, maxReconnectDelayMs: 50 });
    const lease = await client.acquireSlot(100, 'cut-off');
    await sleep(300);
    assert.equal(lease.isLost, false, 'heartbeats answered: still held');
    const t0 = performance.now();
    await flaky.close();
    const err = await lease.lost;
    assert.ok(err instanceof LeaseLostError, String(err));
    assert.equal(err.code, 'LEASE_NOT_FOUND');
    assert.match(err.detail, /time to live/);
    assert.ok(performance.now() - t0 < 1_000, 'lost within the time to live and a beat, not the hour of grace');
    await client.close();
  },
);

test('session: close() stops without releasing; close({ release: true }) releases', async () => {
  const c1 = new LicensingClient({ url: node.url, token: node.token });
  await c1.acquireSlot(100, 'kept');
  await c1.close();
  assert.ok(node.leases.has('100/kept'));
  node.leases.delete('100/kept');
  const c2 = new LicensingClient({ url: node.url, token: node.token });
  await c2.acquireSlot(100, 'freed');
  await c2.close({ release: true });
  assert.ok(!node.leases.has('100/freed'));
  await assert.rejects(c2.status(), ConnectionError);
});
