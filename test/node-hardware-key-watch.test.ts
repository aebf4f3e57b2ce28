import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveHardwareKey } from '../packages/server/src/hwkey/usb-drives.js';
import { fakeSysfs } from '../packages/server/test/fake-sysfs.js';
import { FakeClock, startTestNode } from './support/test-node.js';
import { siteSyncBody } from './support/site-sync.js';

const DRIVE = { busId: '1-3', idVendor: '0951', idProduct: '1666', serial: 'E0D55EA57436F4B1A9F9014C', block: 'sdc' };

test('the USB drive pulled out: served through the grace period, then HARDWARE_KEY_ABSENT; plugged back in, served at once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'licensor-usb-'));
  fakeSysfs([DRIVE], root);
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 3 }],
    clock,
    sysfsRoot: root,
    hardwareKey: deriveHardwareKey(DRIVE.idVendor, DRIVE.idProduct, DRIVE.serial),
    reapIntervalMs: 60_000,
    flags: { hardwareKeyGraceMs: '120000' },
  });
  const acquire = (holderId: string) => t.api('POST', '/v1/modules/4001/leases', { holderId }, t.appToken);
  try {
    const status = await t.api('GET', '/v1/status');
    assert.deepEqual(
      [status.body.hardwareKey.source, status.body.hardwareKey.watched, status.body.hardwareKey.present],
      ['usb', true, true],
    );
    assert.equal((await acquire('pc-1')).status, 201);

    // Pulled out: the next look notices; the node serves on through the grace period.
    rmSync(join(root, 'sys'), { recursive: true, force: true });
    fakeSysfs([], root);
    t.running.node.licensing.checkHardwareKey();
    assert.equal((await acquire('pc-2')).status, 201);
    const gone = await t.api('GET', '/v1/status');
    assert.equal(gone.body.hardwareKey.present, false);
    assert.equal(gone.body.hardwareKey.graceEndsAt, new Date(clock.now() + 120_000).toISOString());

    // Past the grace period: client work is refused, admin work and the status go on.
    clock.advance(121_000);
    const refused = await acquire('pc-3');
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'HARDWARE_KEY_ABSENT');
    assert.match(refused.body.detail, /USB drive/);
    assert.equal((await t.api('GET', '/v1/pools')).status, 200);
    assert.equal(
      (await t.api('DELETE', '/v1/modules/4001/leases/pc-1', undefined, t.appToken)).status,
      200,
      'giving a slot back is never refused',
    );

    // Setting the clock back does not stretch the grace period.
    clock.setBack(110_000);
    assert.equal((await acquire('pc-3')).body.code, 'HARDWARE_KEY_ABSENT');

    // Plugged back in: served again at once, no restart.
    rmSync(join(root, 'sys'), { recursive: true, force: true });
    fakeSysfs([DRIVE], root);
    t.running.node.licensing.checkHardwareKey();
    assert.equal((await acquire('pc-3')).status, 201);
    await t.running.node.reaper.reap();
    const events = await t.api('GET', '/v1/events?type=hardware_key.lost,hardware_key.restored');
    assert.deepEqual(
      events.body.events.map((e: { type: string }) => e.type),
      ['hardware_key.lost', 'hardware_key.restored'],
    );
    assert.ok(events.body.events[1].data.absentMs >= 121_000);
  } finally {
    await t.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('a drive that is not the licensed one does not count: another stick in the port is still "gone"', async () => {
  const root = mkdtempSync(join(tmpdir(), 'licensor-usb-'));
  fakeSysfs([DRIVE], root);
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 3 }],
    clock,
    sysfsRoot: root,
    hardwareKey: deriveHardwareKey(DRIVE.idVendor, DRIVE.idProduct, DRIVE.serial),
    flags: { hardwareKeyGraceMs: '0' },
  });
  try {
    rmSync(join(root, 'sys'), { recursive: true, force: true });
    fakeSysfs([{ ...DRIVE, serial: 'ANOTHER0000000000001' }], root);
    t.running.node.licensing.checkHardwareKey();
    const r = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken);
    assert.equal(r.body.code, 'HARDWARE_KEY_ABSENT', JSON.stringify(r.body));
  } finally {
    await t.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('the watch cannot be loosened: an interval over 60 s or a grace over 10 min is refused', async () => {
  const { loadNodeConfig } = await import('../packages/server/src/config/node-config.js');
  const interval = loadNodeConfig({ hardwareKeyCheckIntervalMs: '600000' }, {});
  assert.equal(interval.ok, false);
  assert.match(
    interval.ok ? '' : interval.message,
    /--hardware-key-check-interval-ms must be an integer from 100 to 60000/,
  );
  const grace = loadNodeConfig({}, { LICENSOR_HARDWARE_KEY_GRACE_MS: '86400000' });
  assert.equal(grace.ok, false);
  assert.match(grace.ok ? '' : grace.message, /--hardware-key-grace-ms must be an integer from 0 to 600000/);
});

test('a License Server whose drive is gone past its grace stops handing out allocations: no allocation change, no document at a sync', async () => {
  const root = mkdtempSync(join(tmpdir(), 'licensor-usb-'));
  fakeSysfs([DRIVE], root);
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [
      { moduleId: 1001, quantity: null },
      { moduleId: 1002, quantity: 2 },
      { moduleId: 4001, quantity: 5 },
    ],
    scope: 'centralized',
    clock,
    sysfsRoot: root,
    hardwareKey: deriveHardwareKey(DRIVE.idVendor, DRIVE.idProduct, DRIVE.serial),
    reapIntervalMs: 60_000,
    flags: { hardwareKeyGraceMs: '120000' },
  });
  try {
    const nodeToken = (await t.api('POST', '/v1/tokens', { role: 'node', name: 'sites' })).body.secret;
    const sync = () => t.api('POST', '/v1/nodes/sync', siteSyncBody('c'.repeat(64)), nodeToken);
    const first = await sync();
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const allocate = (n: number) => t.api('PUT', `/v1/nodes/${first.body.nodeId}/allocation`, { modules: { 4001: n } });
    assert.equal((await allocate(2)).status, 200);
    assert.ok((await sync()).body.allocation, 'with the drive in, a sync carries a signed allocation document');

    // Pulled out: within the grace period the License Server still allocates; past it, neither a change nor a document.
    rmSync(join(root, 'sys'), { recursive: true, force: true });
    fakeSysfs([], root);
    t.running.node.licensing.checkHardwareKey();
    assert.equal((await allocate(3)).status, 200);
    clock.advance(121_000);
    const refused = await allocate(4);
    assert.equal(refused.body.code, 'HARDWARE_KEY_ABSENT', JSON.stringify(refused.body));
    assert.match(refused.body.detail, /cannot allocate/);
    const late = await sync();
    assert.equal(late.body.allocation, null, JSON.stringify(late.body));
    assert.equal(late.body.state, 'unlicensed');
    assert.equal((await t.api('GET', '/v1/nodes')).body.distributable, false);

    // Plugged back in: documents again at once.
    rmSync(join(root, 'sys'), { recursive: true, force: true });
    fakeSysfs([DRIVE], root);
    t.running.node.licensing.checkHardwareKey();
    assert.ok((await sync()).body.allocation);
  } finally {
    await t.close();
    rmSync(root, { recursive: true, force: true });
  }
});
