import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, startTestNode } from './support/test-node.js';

const DAY = 86_400_000;

test('events retention: events older than --events-retention-days leave the feed; newer ones and the cursor stay', async () => {
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 5 }],
    clock,
    flags: { eventsRetentionDays: '1' },
  });
  try {
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-old' }, t.appToken)).status, 201);
    assert.equal((await t.api('DELETE', '/v1/modules/4001/leases/pc-old', undefined, t.appToken)).status, 200);
    clock.advance(2 * DAY);
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-new' }, t.appToken)).status, 201);
    const before = (await t.api('GET', '/v1/events?limit=1000')).body as { events: { seq: number; subject: string }[] };
    assert.ok(before.events.some((e) => e.subject === 'pc-old'));

    assert.ok((await t.running.eventRetention.pass()) > 0);
    const after = (await t.api('GET', '/v1/events?limit=1000')).body as { events: { seq: number; subject: string }[] };
    assert.equal(
      after.events.some((e) => e.subject === 'pc-old'),
      false,
      'two-day-old slot events are gone',
    );
    assert.deepEqual(
      after.events.filter((e) => e.subject === 'pc-new').map((e) => e.seq),
      before.events.filter((e) => e.subject === 'pc-new').map((e) => e.seq),
      'events inside the retention keep their cursor',
    );
  } finally {
    await t.close();
  }
});
