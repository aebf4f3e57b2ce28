// A database made by the hand-written migrations of older releases opens with the one migration list: its versions are
// recognised, nothing is created twice, every row reads back through the stores, and new writes continue its sequences.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { audit, batch, event, lease } from './contract-fixtures.js';
import { legacyDatabase } from './legacy/legacy-database.js';
import { openStore } from './open-store.js';
import type { CreatingHarness } from './store-harnesses.js';

/** Registers the legacy-database cases for one adapter; `create` runs the old SQL on a fresh database. */
export function legacySchemaContract(
  name: 'sqlite' | 'postgres',
  makeHarness: () => Promise<CreatingHarness>,
  skip: string | false = false,
): void {
  describe(`a database from older releases: ${name}`, { skip }, () => {
    let h: CreatingHarness;
    let store: Store;
    openStore(
      makeHarness,
      (opened, s) => {
        h = opened;
        store = s;
      },
      (fresh) => fresh.create(legacyDatabase(name)),
    );

    test('its rows read back through every store', async () => {
      assert.equal(await store.getMeta('node.identity'), 'legacy-node');
      assert.equal((await store.getLicense())?.text, 'LICENSE-TEXT');
      const pools = await store.loadPools();
      assert.deepEqual(
        pools.leases.map((l) => [l.moduleId, l.holderId, l.expiresAt]),
        [[4001, 'h1', 31000]],
      );
      assert.deepEqual(
        pools.members.map((m) => [m.memberId, m.state, m.blockedReason]),
        [['m1', 'blocked', 'beyond_quantity']],
      );
      assert.deepEqual(
        (await store.listEvents({ after: 0, limit: 10 })).map((e) => [e.seq, e.type, e.data]),
        [
          [1, 'lease.granted', { n: 1 }],
          [2, 'license.installed', null],
        ],
      );
      assert.equal((await store.listAudit({ after: 0, limit: 10 }))[0]?.id, 'aud_1');
      assert.equal((await store.findTokenByHash('hash-1'))?.name, 'ops');
      const billing = await store.billing.read(async (tx) => ({
        balance: await tx.balance('acc_1'),
        file: (await tx.latestIssued('lic_t'))?.text,
      }));
      assert.deepEqual(billing, { balance: 5000, file: 'FILE-T' });
      assert.deepEqual(
        (await store.hierarchy.listChildren()).map((c) => [c.id, c.allocation, c.allocationSeq]),
        [['nod_1', { '4001': 2 }, 3]],
      );
      assert.deepEqual(
        (await store.webhooks.list()).map((w) => [w.id, w.events]),
        [['whk_1', ['*']]],
      );
      assert.equal((await store.usage.list({ from: 0, to: 2000, limit: 10 }))[0]?.quantity, 5);
    });

    test('new writes continue its sequences', async () => {
      const [[seq]] = (await store.commit([
        batch({ changes: [{ kind: 'lease.put', lease: lease(4001, 'h2', 2000) }], events: [event('x', 4001, 'h2')] }),
      ])) as [[number]];
      assert.equal(seq, 3);
      assert.equal(await store.appendAudit(audit('aud_2')), 2);
      const ledger = await store.billing.atomically(async (tx) =>
        tx.insertLedger({
          id: 'led_2',
          accountId: 'acc_1',
          kind: 'adjustment',
          amount: -100,
          currency: 'EUR',
          reference: null,
          rentalId: null,
          periodIndex: null,
          note: null,
          at: 2000,
        }),
      );
      assert.equal(ledger, 2);
      const allocated = await store.hierarchy.setAllocation('nod_1', { '4001': 1 }, 2000, event('a', null, 'n'), null);
      assert.ok('seq' in allocated && allocated.seq === 4, JSON.stringify(allocated));
      const created = await store.webhooks.create(
        { id: 'whk_2', url: 'http://127.0.0.1:9/g', events: ['*'], secret: 's', description: null, createdAt: 1000 },
        audit('aud_3', 'webhook.created'),
      );
      assert.equal(created.afterSeq, 4, 'the feed head: 2 old events, the commit, the allocation');
      assert.deepEqual(
        (await store.webhooks.list()).map((w) => w.id),
        ['whk_1', 'whk_2'],
      );
      await assert.rejects(h.exec('DELETE FROM ledger'), /append-only/);
      const again = h.open();
      try {
        await again.migrate();
      } finally {
        await again.close();
      }
    });
  });
}
