// The webhook store contract (endpoints, outbox, dispatch cursor, attempt log), run against every store adapter:
// webhook-store.sqlite.test.ts and webhook-store.postgres.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NewAuditRecord, StoredEvent, Store } from '../../src/store/store.js';
import type { DeliveryRecord, WebhookRecord } from '../../src/store/webhook-store.js';
import type { StoreHarness } from './store-contract.js';
import { openStore } from './open-store.js';

const actor = { tokenId: 'tok_1', name: 'ops' };
const audit = (id: string, action: NewAuditRecord['action'], target: string): NewAuditRecord => ({
  id,
  at: 7000,
  actor,
  action,
  target,
  details: null,
});
const hook = (id: string, events: string[], createdAt: number) => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  events,
  secret: `whsec_${id}`,
  description: null,
  createdAt,
});
const commitEvents = (store: Store, types: string[]) =>
  store.commit([
    {
      changes: [],
      events: types.map((type) => ({ type, moduleId: null, subject: 'acc_1', data: { type }, at: 5000 })),
      idempotency: [],
      audit: [],
    },
  ]);

/** Plans one pending delivery per (webhook, selected event), as the dispatcher does. */
function planAll(webhooks: WebhookRecord[], events: StoredEvent[]): DeliveryRecord[] {
  const out: DeliveryRecord[] = [];
  for (const e of events) {
    for (const w of webhooks) {
      if (e.seq <= w.afterSeq || !w.events.includes(e.type)) continue;
      out.push({
        id: `whd_${w.id}_${e.seq}`,
        webhookId: w.id,
        eventSeq: e.seq,
        eventType: e.type,
        body: JSON.stringify({ id: e.id }),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: 1000,
        lastStatusCode: null,
        lastError: null,
        createdAt: 1000,
        deliveredAt: null,
      });
    }
  }
  return out;
}

/** Registers the webhook store cases for one adapter. */
export function webhookStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`webhook store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('endpoints: created after the feed head with their audit entry, listed in creation order, removed with their outbox', async () => {
      const [seqs] = await commitEvents(store, ['billing.topped_up']);
      const a = await store.webhooks.create(
        hook('whk_a', ['billing.topped_up'], 100),
        audit('aud_w1', 'webhook.created', 'whk_a'),
      );
      assert.equal(a.afterSeq, seqs?.[0], 'events already committed are not for this webhook');
      await store.webhooks.create(hook('whk_b', ['license.renewed'], 100), audit('aud_w2', 'webhook.created', 'whk_b'));
      assert.deepEqual(
        (await store.webhooks.list()).map((w) => w.id),
        ['whk_a', 'whk_b'],
      );
      assert.deepEqual((await store.webhooks.get('whk_a'))?.events, ['billing.topped_up']);
      assert.equal(await store.webhooks.get('whk_nobody'), null);
      const logged = (await store.listAudit({ after: 0, limit: 100 }))
        .filter((e) => e.action === 'webhook.created')
        .map((e) => e.target);
      assert.deepEqual(logged, ['whk_a', 'whk_b']);
      assert.equal(await store.webhooks.remove('whk_b', audit('aud_w3', 'webhook.deleted', 'whk_b')), true);
      assert.equal(await store.webhooks.remove('whk_b', audit('aud_w4', 'webhook.deleted', 'whk_b')), false);
    });

    test('outbox: the cursor moves with the deliveries it made; two handles enqueuing at once make each delivery once', async () => {
      const other = h.open();
      try {
        await commitEvents(store, ['billing.topped_up', 'slot.acquired', 'billing.topped_up']);
        const read = await Promise.all([store.webhooks.enqueue(500, planAll), other.webhooks.enqueue(500, planAll)]);
        assert.equal(
          read.reduce((n, x) => n + x, 0),
          3,
          'the three new events are read once between the two',
        );
        assert.equal(await store.webhooks.enqueue(500, planAll), 0, 'nothing new after the cursor');
        const due = await store.webhooks.due(1000, 100);
        assert.deepEqual(
          due.map((d) => [d.webhookId, d.eventType, d.status]),
          [
            ['whk_a', 'billing.topped_up', 'pending'],
            ['whk_a', 'billing.topped_up', 'pending'],
          ],
        );
        assert.equal((await store.webhooks.due(999, 100)).length, 0, 'not due before their time');
        assert.deepEqual(await store.webhooks.counts('whk_a'), { pending: 2, delivered: 0, failed: 0 });
      } finally {
        await other.close();
      }
    });

    test('attempts: a claim is taken once; attempts and the delivery state are recorded together, newest delivery first', async () => {
      const [first, second] = await store.webhooks.due(1000, 100);
      assert.ok(first && second);
      assert.equal(await store.webhooks.claim(first.id, 1000, 71_000), true);
      assert.equal(await store.webhooks.claim(first.id, 1000, 71_000), false, 'another dispatcher cannot take it too');
      assert.equal((await store.webhooks.due(1000, 100)).length, 1);
      await store.webhooks.recordAttempt(
        first.id,
        { attempt: 1, at: 1000, statusCode: 500, error: 'HTTP 500', durationMs: 3, nextRetryAt: 31_000 },
        {
          status: 'pending',
          attempts: 1,
          nextAttemptAt: 31_000,
          lastStatusCode: 500,
          lastError: 'HTTP 500',
          deliveredAt: null,
        },
      );
      await store.webhooks.recordAttempt(
        first.id,
        { attempt: 2, at: 31_000, statusCode: 204, error: null, durationMs: 2, nextRetryAt: null },
        {
          status: 'delivered',
          attempts: 2,
          nextAttemptAt: null,
          lastStatusCode: 204,
          lastError: null,
          deliveredAt: 31_000,
        },
      );
      await store.webhooks.recordAttempt(
        second.id,
        { attempt: 1, at: 1000, statusCode: null, error: 'ECONNREFUSED', durationMs: 1, nextRetryAt: null },
        {
          status: 'failed',
          attempts: 1,
          nextAttemptAt: null,
          lastStatusCode: null,
          lastError: 'ECONNREFUSED',
          deliveredAt: null,
        },
      );
      const log = await store.webhooks.deliveries('whk_a', { before: null, limit: 10 });
      assert.deepEqual(
        log.map((d) => [
          d.eventSeq > (log[1]?.eventSeq ?? 0),
          d.status,
          d.log.map((a) => [a.attempt, a.statusCode, a.error, a.nextRetryAt]),
        ]),
        [
          [true, 'failed', [[1, null, 'ECONNREFUSED', null]]],
          [
            false,
            'delivered',
            [
              [1, 500, 'HTTP 500', 31_000],
              [2, 204, null, null],
            ],
          ],
        ],
      );
      assert.equal(
        (await store.webhooks.deliveries('whk_a', { before: log[0]?.eventSeq ?? 0, limit: 10 })).length,
        1,
        'paging by event seq',
      );
      assert.equal((await store.webhooks.deliveries('whk_a', { before: null, limit: 10, status: 'failed' })).length, 1);
      assert.deepEqual(await store.webhooks.counts('whk_a'), { pending: 0, delivered: 1, failed: 1 });
      assert.equal((await store.webhooks.due(10_000_000, 100)).length, 0);
      assert.equal(await store.webhooks.remove('whk_a', audit('aud_w5', 'webhook.deleted', 'whk_a')), true);
      assert.deepEqual(
        await store.webhooks.counts('whk_a'),
        { pending: 0, delivered: 0, failed: 0 },
        'the outbox goes with its webhook',
      );
    });
  });
}
