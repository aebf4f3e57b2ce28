import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

const HOUR = 3_600_000;
const acquire = (t: Awaited<ReturnType<typeof startTestNode>>, holderId: string) =>
  t.api('POST', '/v1/modules/4001/leases', { holderId }, t.appToken);

test('a rolled-back clock is detected, recorded, and gives a temporary license no extra time', async () => {
  const clock = new FakeClock();
  const validUntil = clock.now() + HOUR;
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 2 }],
    clock,
    notAfter: new Date(validUntil).toISOString(),
    reapIntervalMs: 50,
  });
  try {
    assert.equal((await acquire(t, 'pc-1')).status, 201);

    // Past the end: expired.
    clock.advance(HOUR + 60_000);
    const expired = await acquire(t, 'pc-2');
    assert.equal(expired.status, 409, JSON.stringify(expired.body));
    assert.equal(expired.body.code, 'LICENSE_EXPIRED');
    await t.running.node.reaper.reap();

    // A small step back (within the 5 min tolerance) is not a rollback, and the license stays expired anyway.
    clock.t -= 30_000;
    assert.equal(t.running.node.licensing.licenseState().state, 'expired');
    assert.equal(t.running.node.licensing.clockRollback, null);

    // Back to before the end: still expired (judged at the latest time seen), and the rollback is recorded.
    clock.t = validUntil - 10 * 60_000;
    const again = await acquire(t, 'pc-2');
    assert.equal(again.body.code, 'LICENSE_EXPIRED', JSON.stringify(again.body));
    assert.equal(t.running.node.licensing.licenseState().state, 'expired');
    assert.ok(t.running.node.licensing.clockRollback, 'the node knows its clock was rolled back');
    await t.running.node.reaper.reap();
    await t.running.node.reaper.reap();
    const events = await t.api('GET', '/v1/events?type=clock.rolled_back');
    assert.equal(events.status, 200, JSON.stringify(events.body));
    assert.equal(events.body.events.length, 1, 'recorded once per rollback');
    assert.equal(events.body.events[0].data.latestSeen, new Date(validUntil + 60_000).toISOString());
    assert.equal(events.body.events[0].data.clock, new Date(validUntil - 10 * 60_000).toISOString());

    // Once the clock catches up with what the node has seen, there is no rollback any more.
    clock.t = validUntil + 2 * 60_000;
    assert.equal(t.running.node.licensing.licenseState().state, 'expired');
    assert.equal(t.running.node.licensing.clockRollback, null);
  } finally {
    await t.close();
  }
});

test('the latest time seen survives a restart', async () => {
  const clock = new FakeClock();
  const validUntil = clock.now() + HOUR;
  const first = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 2 }],
    clock,
    notAfter: new Date(validUntil).toISOString(),
  });
  const dataDir = first.dataDir;
  clock.advance(2 * HOUR);
  await first.running.node.reaper.reap();
  await first.running.close();

  // Restarted with the clock set back before the license end: the stored latest time wins.
  const back = new FakeClock(validUntil - HOUR / 2);
  const second = await startTestNode({
    clock: back,
    dataDir,
    flags: { issuerPublicKey: first.publicKey, hardwareKey: first.hardwareKey },
  });
  try {
    assert.equal(second.running.node.licensing.license?.payload.id, first.running.node.licensing.license?.payload.id);
    assert.equal(second.running.node.licensing.licenseState().state, 'expired');
    assert.ok(second.running.node.licensing.clockRollback);
    const r = await acquire(second, 'pc-1');
    assert.equal(r.body.code, 'LICENSE_EXPIRED', JSON.stringify(r.body));
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('small setbacks add up: a clock pushed back 5 s every 5 s cannot hold a temporary license past its end', async () => {
  const clock = new FakeClock();
  const validUntil = clock.now() + 60_000;
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 2 }],
    clock,
    notAfter: new Date(validUntil).toISOString(),
    reapIntervalMs: 60_000,
  });
  try {
    assert.equal((await acquire(t, 'pc-1')).status, 201);
    // 6 minutes of real (monotonic) time pass while the wall clock is set back 5 s every 5 s: it never moves.
    const wallAtStart = clock.now();
    for (let i = 0; i < 72; i++) {
      clock.advance(5_000);
      clock.setBack(5_000);
      await t.running.node.reaper.reap();
    }
    assert.equal(clock.now(), wallAtStart, 'the wall clock stood still');
    const r = await acquire(t, 'pc-2');
    assert.equal(r.body.code, 'LICENSE_EXPIRED', JSON.stringify(r.body));
    assert.equal(t.running.node.licensing.licenseState().state, 'expired');
    // Behind by 6 min, past the 5 min tolerance: recorded once, however many reaps see it.
    const events = await t.api('GET', '/v1/events?type=clock.rolled_back');
    assert.equal(events.body.events.length, 1, JSON.stringify(events.body));
    assert.equal(events.body.events[0].data.behindMs > 5 * 60_000, true);
  } finally {
    await t.close();
  }
});

test('the high-water mark keeps moving with monotonic time across a restart with the clock set back', async () => {
  const clock = new FakeClock();
  const validUntil = clock.now() + 10 * 60_000;
  const first = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 2 }],
    clock,
    notAfter: new Date(validUntil).toISOString(),
  });
  const dataDir = first.dataDir;
  // 8 minutes pass with the clock frozen by setbacks; the mark (persisted by reap) is 8 minutes ahead of the clock.
  for (let i = 0; i < 8; i++) {
    clock.advance(60_000);
    clock.setBack(60_000);
    await first.running.node.reaper.reap();
  }
  await first.running.close();
  // Restarted, the clock still frozen: 3 more minutes of running end the license, whatever the clock says.
  const again = new FakeClock(clock.now());
  const second = await startTestNode({
    clock: again,
    dataDir,
    flags: { issuerPublicKey: first.publicKey, hardwareKey: first.hardwareKey },
  });
  try {
    assert.equal(second.running.node.licensing.licenseState().state, 'valid');
    again.mono += 3 * 60_000;
    assert.equal(second.running.node.licensing.licenseState().state, 'expired');
    assert.equal((await acquire(second, 'pc-1')).body.code, 'LICENSE_EXPIRED');
  } finally {
    await second.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
