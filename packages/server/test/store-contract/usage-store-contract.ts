// The usage store contract (samples recorded per tick, read by time and module, pruned by age), run against every
// store adapter: usage-store.sqlite.test.ts and usage-store.postgres.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import type { StoreHarness } from './store-contract.js';
import { openStore } from './open-store.js';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const MIN = 60_000;

/** Registers the usage store cases for one adapter. */
export function usageStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`usage store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('records ticks, lists them oldest first by time and module, as numbers', async () => {
      for (let i = 0; i < 10; i++) {
        await store.usage.record([
          { moduleId: 4001, at: T0 + i * MIN, used: i % 6, quantity: 5, blocked: 0 },
          { moduleId: 2001, at: T0 + i * MIN, used: 3, quantity: null, blocked: i },
        ]);
      }
      const all = await store.usage.list({ from: T0, to: T0 + 9 * MIN, limit: 1000 });
      assert.equal(all.length, 20);
      assert.deepEqual(all[0], { moduleId: 2001, at: T0, used: 3, quantity: null, blocked: 0 });
      assert.deepEqual(all[1], { moduleId: 4001, at: T0, used: 0, quantity: 5, blocked: 0 });
      assert.ok(
        all.every((s, i) => i === 0 || s.at >= all[i - 1]!.at),
        'oldest first',
      );
      const manager = await store.usage.list({ moduleId: 4001, from: T0 + 2 * MIN, to: T0 + 5 * MIN, limit: 1000 });
      assert.deepEqual(
        manager.map((s) => s.used),
        [2, 3, 4, 5],
        'both ends of the period included',
      );
      assert.equal(typeof manager[0]!.at, 'number');
      assert.equal(
        (await store.usage.list({ moduleId: 4001, from: T0, to: T0 + 9 * MIN, limit: 3 })).length,
        3,
        'limit',
      );
    });

    test('a second sample for the same module and time replaces the first', async () => {
      await store.usage.record([{ moduleId: 4001, at: T0, used: 5, quantity: 5, blocked: 0 }]);
      const [s] = await store.usage.list({ moduleId: 4001, from: T0, to: T0, limit: 10 });
      assert.deepEqual(s, { moduleId: 4001, at: T0, used: 5, quantity: 5, blocked: 0 });
      await store.usage.record([]);
    });

    test('prunes by age and says how many went; another handle sees the same samples', async () => {
      assert.equal(await store.usage.prune(T0 + 5 * MIN), 10);
      const other = h.open();
      try {
        const left = await other.usage.list({ from: 0, to: T0 + 60 * MIN, limit: 1000 });
        assert.equal(left.length, 10);
        assert.ok(left.every((s) => s.at >= T0 + 5 * MIN));
      } finally {
        await other.close();
      }
      assert.equal(await store.usage.prune(T0), 0);
    });
  });
}
