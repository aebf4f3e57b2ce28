import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventRetention } from '../src/node/event-retention.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { CommitBatch, NewEvent } from '../src/store/store.js';

const DAY = 86_400_000;
const T = Date.parse('2026-11-01T00:00:00Z');
const ev = (subject: string, at: number): NewEvent => ({
  type: 'slot.acquired',
  moduleId: 2001,
  subject,
  data: null,
  at,
});
const batch = (events: NewEvent[]): CommitBatch => ({ changes: [], events, idempotency: [], audit: [] });

/** Runs `fn` on a migrated SQLite store in a fresh temp directory, closed and removed afterwards. */
async function withStore(fn: (store: SqliteStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-retention-'));
  const store = new SqliteStore(join(dir, 'licensor.db'));
  try {
    await store.migrate();
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('event retention: a pass deletes every event past the retention in bounded batches and keeps the rest', async () => {
  await withStore(async (store) => {
    // 5,000 events 40 days old (more than two batches), then 10 from yesterday.
    await store.commit([batch(Array.from({ length: 5_000 }, (_, i) => ev(`old-${i}`, T - 40 * DAY + i)))]);
    await store.commit([batch(Array.from({ length: 10 }, (_, i) => ev(`new-${i}`, T - DAY + i)))]);
    const retention = new EventRetention({ store, clock: { now: () => T }, retentionMs: 30 * DAY });
    assert.equal(await retention.pass(), 5_000);
    const left = await store.listEvents({ after: 0, limit: 100 });
    assert.deepEqual(
      left.map((e) => e.subject),
      Array.from({ length: 10 }, (_, i) => `new-${i}`),
    );
    assert.equal(await retention.pass(), 0, 'nothing more to do');
    await retention.stop();
  });
});

test('event retention: events dated ahead of the clock at the front do not stall the sweep', async () => {
  await withStore(async (store) => {
    // The clock ran a week fast while 2,500 events were written, then was put right; older events follow them.
    await store.commit([batch(Array.from({ length: 2_500 }, (_, i) => ev(`ahead-${i}`, T + 7 * DAY + i)))]);
    await store.commit([batch(Array.from({ length: 3_000 }, (_, i) => ev(`old-${i}`, T - 40 * DAY + i)))]);
    await store.commit([batch([ev('new', T - DAY)])]);
    const retention = new EventRetention({ store, clock: { now: () => T }, retentionMs: 30 * DAY });
    assert.equal(await retention.pass(), 3_000);
    const left = await store.listEvents({ after: 0, limit: 10_000 });
    assert.equal(left.length, 2_501);
    assert.equal(left.filter((e) => e.subject?.startsWith('old-')).length, 0);
    await retention.stop();
  });
});

test('event retention: 0 keeps the feed forever', async () => {
  await withStore(async (store) => {
    await store.commit([batch([ev('a', T - 400 * DAY), ev('b', T - 300 * DAY)])]);
    const retention = new EventRetention({ store, clock: { now: () => T }, retentionMs: 0 });
    retention.start();
    assert.equal(await retention.pass(), 0);
    assert.equal((await store.listEvents({ after: 0, limit: 10 })).length, 2);
    await retention.stop();
  });
});
