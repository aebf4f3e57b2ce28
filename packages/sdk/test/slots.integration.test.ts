import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  InsufficientLicenseError,
  LeaseLostError,
  type LicensingError,
  LicensingClient,
  type TransportKind,
} from '@licensor/sdk';
import { startTestNode, type TestNode } from '../../../test/support/test-node.js';
import { liveHolders, until } from './support/node-helpers.js';

// Against a real node on 127.0.0.1. Modules from catalogs/: 4001 Manager (REJECT_NEW), 10003 plugin external
// connections (REJECT_NEW, per device across the license).
const MANAGER = 4001;
const CONNECTIONS = 10003;
const GRACE_MS = 400;

let node: TestNode;
before(async () => {
  node = await startTestNode({
    entitlements: [
      { moduleId: MANAGER, quantity: 2 },
      { moduleId: CONNECTIONS, quantity: 1 },
    ],
    sessionGraceMs: GRACE_MS,
    reapIntervalMs: 50,
  });
});
after(() => node.close());

const client = (transport: TransportKind = 'session') =>
  new LicensingClient({ url: node.url, token: node.appToken, transport });

for (const transport of ['session', 'http'] as const) {
  test(`${transport}: acquire then release frees the slot`, async () => {
    await using c = client(transport);
    const lease = await c.acquireSlot(MANAGER, `pc-${transport}`);
    assert.equal(lease.moduleId, MANAGER);
    assert.equal(lease.holderId, `pc-${transport}`);
    assert.match(lease.leaseId, /^lse_/);
    assert.equal(lease.reacquired, false);
    assert.equal(lease.nonProduction, false);
    assert.ok(lease.expiresAt > Date.now());
    assert.deepEqual(await liveHolders(node, MANAGER), [`pc-${transport}`]);
    await lease.release();
    await lease.release(); // idempotent
    assert.deepEqual(await liveHolders(node, MANAGER), []);
  });

  test(`${transport}: the same device twice takes one slot and gets its lease back`, async () => {
    await using c1 = client(transport);
    await using c2 = client(transport);
    const first = await c1.acquireSlot(CONNECTIONS, `terminal-${transport}`);
    // A second process of the same device (e.g. after a crash) re-takes the slot instead of needing another.
    const again = await c2.acquireSlot(CONNECTIONS, `terminal-${transport}`);
    assert.equal(again.leaseId, first.leaseId);
    assert.equal(again.reacquired, true);
    assert.deepEqual(await liveHolders(node, CONNECTIONS), [`terminal-${transport}`]);
    await again.release();
  });

  test(`${transport}: a full pool refuses with InsufficientLicenseError and a readable message`, async () => {
    await using c = client(transport);
    await using _held = await c.acquireSlot(CONNECTIONS, `held-${transport}`);
    const err = await c.acquireSlot(CONNECTIONS, `newcomer-${transport}`).catch((e: unknown) => e);
    assert.ok(err instanceof InsufficientLicenseError, String(err));
    assert.equal(err.code, 'INSUFFICIENT_LICENSE');
    assert.equal(err.status, 409);
    assert.match(err.message, /1 of 1/);
  });
}

test('await using releases the slot when the scope exits', async () => {
  await using c = client();
  {
    await using lease = await c.acquireSlot(CONNECTIONS, 'scoped');
    assert.deepEqual(await liveHolders(node, CONNECTIONS), [lease.holderId]);
  }
  assert.deepEqual(await liveHolders(node, CONNECTIONS), []);
});

test('await using releases the slot when the scope throws', async () => {
  await using c = client();
  const boom = new Error('the order failed');
  await assert.rejects(async () => {
    await using _lease = await c.acquireSlot(CONNECTIONS, 'throws');
    throw boom;
  }, boom);
  assert.deepEqual(await liveHolders(node, CONNECTIONS), []);
  // The slot is really free: another device gets it.
  await using next = await c.acquireSlot(CONNECTIONS, 'after-throw');
  assert.equal(next.reacquired, false);
});

test('an admin force-release is pushed within 100 ms and onLost runs', async () => {
  await using c = client();
  const lease = await c.acquireSlot(MANAGER, 'forced');
  const seen: LicensingError[] = [];
  lease.onLost((e) => seen.push(e));
  const lostEvent = new Promise<LicensingError>((resolve) => c.once('leaseLost', (_l, e) => resolve(e)));
  const t0 = performance.now();
  const revoke = node.api('POST', `/v1/modules/${MANAGER}/leases/forced/revoke`, {});
  const err = await lease.lost;
  const elapsed = performance.now() - t0;
  assert.equal((await revoke).status, 200);
  assert.ok(elapsed < 100, `push took ${elapsed.toFixed(1)} ms`);
  assert.ok(err instanceof LeaseLostError);
  assert.match(err.detail, /administrator/);
  assert.equal(err.data.reason, 'force_released');
  assert.equal(lease.isLost, true);
  assert.equal(seen.length, 1);
  assert.equal(await lostEvent, err);
  assert.deepEqual(c.leases(), []);
});

test('a device id claimed through a second live session: the first session is told it lost the slot, so one slot never serves two devices', async () => {
  await using first = client();
  await using second = client();
  const a = await first.acquireSlot(CONNECTIONS, 'cloned-terminal');
  const b = await second.acquireSlot(CONNECTIONS, 'cloned-terminal');
  assert.equal(b.reacquired, true);
  const err = await a.lost;
  assert.ok(err instanceof LeaseLostError);
  assert.equal(err.code, 'LEASE_EVICTED');
  assert.match(err.detail, /same device id/);
  assert.deepEqual(first.leases(), []);
  assert.equal(b.isLost, false, 'the device that took it last keeps it');
  await b.release();
});

test('http: a force-released lease is learned at the next heartbeat', async () => {
  await using c = new LicensingClient({
    url: node.url,
    token: node.appToken,
    transport: 'http',
    heartbeatIntervalMs: 50,
  });
  const lease = await c.acquireSlot(MANAGER, 'forced-http');
  assert.equal((await node.api('POST', `/v1/modules/${MANAGER}/leases/forced-http/revoke`, {})).status, 200);
  const err = await lease.lost;
  assert.ok(err instanceof LeaseLostError, String(err));
});

test('a killed client process has its slot freed after the session grace', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=licensor-source',
      '--input-type=module',
      '-e',
      `import { LicensingClient } from '@licensor/sdk';
       const c = new LicensingClient({ url: ${JSON.stringify(node.url)}, token: ${JSON.stringify(node.appToken)} });
       const lease = await c.acquireSlot(${CONNECTIONS}, 'killed-device');
       console.log('LEASE ' + lease.leaseId);
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  await until(() => out.includes('LEASE '), 'the child to take its slot', 20_000);
  assert.deepEqual(await liveHolders(node, CONNECTIONS), ['killed-device']);
  const killedAt = Date.now();
  child.kill('SIGKILL');
  await using c = client();
  // Within the grace the slot is still the dead device's (it could come back and re-take it) …
  await assert.rejects(c.acquireSlot(CONNECTIONS, 'next-device'), InsufficientLicenseError);
  // … after it, the node frees the slot and the next device gets it.
  let lease: Awaited<ReturnType<LicensingClient['acquireSlot']>> | undefined;
  await until(
    async () => {
      lease = await c.acquireSlot(CONNECTIONS, 'next-device').catch(() => undefined);
      return lease !== undefined;
    },
    'the slot to be freed',
    GRACE_MS + 3_000,
  );
  assert.ok(Date.now() - killedAt >= GRACE_MS - 50, 'freed before the grace');
  await lease?.release();
});

test('a device whose session drops reconnects and re-takes its slot with the same leaseId', async () => {
  await using c = client();
  const lease = await c.acquireSlot(CONNECTIONS, 'wifi-tablet');
  const leaseId = lease.leaseId;
  const reconnected = new Promise<boolean>((resolve) => c.on('connected', (_h, again) => again && resolve(true)));
  c.simulateDisconnect();
  await reconnected;
  await until(() => lease.reacquired, 'the lease to be re-taken');
  assert.equal(lease.leaseId, leaseId);
  assert.equal(lease.isLost, false);
  // Still ours after the grace has passed: the re-acquire attached it to the new session.
  await new Promise((r) => setTimeout(r, GRACE_MS + 200));
  assert.deepEqual(await liveHolders(node, CONNECTIONS), ['wifi-tablet']);
  await using other = client();
  await assert.rejects(other.acquireSlot(CONNECTIONS, 'intruder'), InsufficientLicenseError);
  await lease.release();
});

test('heartbeats keep a lease alive past its TTL without the application doing anything', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken, heartbeatIntervalMs: 100 });
  const lease = await c.acquireSlot(MANAGER, 'long-lived');
  const firstExpiry = lease.expiresAt;
  await until(() => lease.expiresAt > firstExpiry, 'a heartbeat to renew the lease', 3_000);
  assert.equal(lease.isLost, false);
  await lease.release();
});

test('close({ release: true }) releases every held slot', async () => {
  const c = client();
  await c.acquireSlot(MANAGER, 'bye-1');
  await c.acquireSlot(MANAGER, 'bye-2');
  await c.close({ release: true });
  assert.deepEqual(await liveHolders(node, MANAGER), []);
});
