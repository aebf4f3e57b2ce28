import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InsufficientLicenseError,
  LeaseLostError,
  LicenseMissingError,
  LicensingClient,
  type MemberStatePush,
  QuotaExceededError,
  type QuotaStatePush,
} from '@licensor/sdk';
import { FakeClock, startTestNode, type TestNode } from '../../../test/support/test-node.js';
import { until } from './support/node-helpers.js';

// The OpenService rules from the application's side (catalogs/openservice.json): 2001 Cash Register (BLOCK_LATEST)
// with add-on features 2101…, 3001 Processing Center (DEGRADE), 5001 Mobile Waiter (EVICT_INACTIVE, 900 s idle).
const REGISTER = 2001;
const DISCOUNTS = 2101;
const BONUS = 2102;
const PROCESSING = 3001;
const WAITER = 5001;

let node: TestNode;
before(async () => {
  node = await startTestNode({
    entitlements: [
      { moduleId: REGISTER, quantity: 2 },
      { moduleId: DISCOUNTS, quantity: null },
      { moduleId: PROCESSING, quantity: 10 },
    ],
  });
});
after(() => node.close());

test('cash registers beyond the quantity are blocked, and the latest unblocks by push when room frees', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken });
  assert.equal((await c.syncMember(REGISTER, 'reg-1')).state, 'active');
  assert.equal((await c.syncMember(REGISTER, 'reg-2')).state, 'active');
  const third = await c.syncMember(REGISTER, 'reg-3');
  assert.equal(third.state, 'blocked');
  assert.equal(third.position, 3);
  assert.equal(third.quantity, 2);
  const pushed = new Promise<MemberStatePush>((resolve) =>
    c.on('memberState', (m) => m.memberId === 'reg-3' && resolve(m)),
  );
  assert.equal((await node.api('DELETE', `/v1/modules/${REGISTER}/members/reg-1`)).status, 200);
  const push = await pushed;
  assert.equal(push.state, 'active');
});

test('a register profile with an unlicensed add-on is blocked with the missing feature named', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken });
  assert.deepEqual(await c.checkProfile(REGISTER, [DISCOUNTS]), { state: 'active', missingFeatures: [] });
  assert.deepEqual(await c.checkProfile(REGISTER, [DISCOUNTS, BONUS]), { state: 'blocked', missingFeatures: [BONUS] });
  assert.deepEqual(await c.checkProfile(REGISTER, []), { state: 'active', missingFeatures: [] });
});

test('the processing center over quota is degraded: debits allowed, new data refused, state pushed', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken });
  const ok = await c.reportQuota(PROCESSING, 8);
  assert.equal(ok.state, 'ok');
  const pushed = new Promise<QuotaStatePush>((resolve) => c.on('quotaState', resolve));
  const over = await c.reportQuota(PROCESSING, 12);
  assert.equal(over.state, 'over_quota');
  assert.deepEqual(over.refused, ['accept-new-data', 'send-new-data']);
  assert.equal((await pushed).state, 'over_quota');
  assert.deepEqual(await c.checkOperation(PROCESSING, 'debit-existing-account'), {
    allowed: true,
    operation: 'debit-existing-account',
    state: 'ok',
  });
  const err = await c.checkOperation(PROCESSING, 'accept-new-data').catch((e: unknown) => e);
  assert.ok(err instanceof QuotaExceededError, String(err));
  assert.match(err.message, /over quota \(12 of 10\)/);
  await c.reportQuota(PROCESSING, 3);
  assert.equal((await c.checkOperation(PROCESSING, 'accept-new-data')).allowed, true);
});

test('the same rules hold over the HTTP transport', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken, transport: 'http' });
  assert.equal((await c.syncMember(REGISTER, 'reg-2')).state, 'active');
  assert.deepEqual((await c.checkProfile(REGISTER, [BONUS])).missingFeatures, [BONUS]);
  await c.reportQuota(PROCESSING, 11);
  await assert.rejects(c.checkOperation(PROCESSING, 'send-new-data'), QuotaExceededError);
  await c.reportQuota(PROCESSING, 0);
  assert.equal(await c.isEnabled(REGISTER), true);
  assert.equal(await c.isEnabled(WAITER), false);
  assert.equal((await c.status()).license?.state, 'valid');
});

test('isEnabled and status over the session', async () => {
  await using c = new LicensingClient({ url: node.url, token: node.appToken });
  assert.equal(await c.isEnabled(DISCOUNTS), true);
  assert.equal(await c.isEnabled(BONUS), false);
  const status = await c.status();
  assert.equal(status.license?.state, 'valid');
  assert.equal(status.nonProduction, false);
  assert.equal(c.nonProduction, false);
});

test('a node without a license refuses client work with LicenseMissingError and says so on connect', async () => {
  const bare = await startTestNode({ license: false });
  try {
    await using c = new LicensingClient({ url: bare.url, token: bare.appToken });
    const pushed = new Promise<string>((resolve) => c.on('licenseState', (s) => resolve(s.state)));
    const err = await c.acquireSlot(4001, 'pc-1').catch((e: unknown) => e);
    assert.ok(err instanceof LicenseMissingError, String(err));
    assert.equal(await pushed, 'missing');
    await using h = new LicensingClient({ url: bare.url, token: bare.appToken, transport: 'http' });
    await assert.rejects(h.acquireSlot(4001, 'pc-1'), LicenseMissingError);
  } finally {
    await bare.close();
  }
});

test('a developer license marks leases and the session non-production', async () => {
  const dev = await startTestNode({ developer: 'acme-plugins' });
  try {
    await using c = new LicensingClient({ url: dev.url, token: dev.appToken });
    await using lease = await c.acquireSlot(10001, 'debug-instance');
    assert.equal(lease.nonProduction, true);
    assert.equal(c.nonProduction, true);
  } finally {
    await dev.close();
  }
});

test('mobile waiter: an idle device is evicted for a newcomer and learns it by push; an active one is not', async () => {
  const clock = new FakeClock();
  const waiterNode = await startTestNode({
    clock,
    entitlements: [{ moduleId: WAITER, quantity: 1 }],
    reapIntervalMs: 50,
  });
  try {
    await using busy = new LicensingClient({
      url: waiterNode.url,
      token: waiterNode.appToken,
      heartbeatIntervalMs: 15,
    });
    await using newcomer = new LicensingClient({ url: waiterNode.url, token: waiterNode.appToken });
    const lease = await busy.acquireSlot(WAITER, 'waiter-anna');
    // Move the node's clock past the 900 s idle threshold in 15 s steps while the SDK keeps heartbeating (TTL 60 s,
    // so a few heartbeats missed under load cannot expire the lease).
    const advance = async (activeUser: boolean) => {
      for (let i = 0; i < 70; i++) {
        if (activeUser) lease.touch();
        clock.advance(15_000);
        await sleep(30);
      }
    };
    await advance(true);
    assert.equal(lease.isLost, false, String(lease.lostError));
    await assert.rejects(newcomer.acquireSlot(WAITER, 'waiter-boris'), InsufficientLicenseError);
    await advance(false);
    assert.equal(lease.isLost, false, String(lease.lostError));
    const boris = await newcomer.acquireSlot(WAITER, 'waiter-boris');
    const err = await Promise.race([lease.lost, sleep(100).then(() => undefined)]);
    assert.ok(err instanceof LeaseLostError, `no eviction push within 100 ms: ${String(err)}`);
    assert.equal(err.code, 'LEASE_EVICTED');
    await until(() => busy.leases().length === 0, 'the evicted lease to leave the client');
    await boris.release();
  } finally {
    await waiterNode.close();
  }
});
