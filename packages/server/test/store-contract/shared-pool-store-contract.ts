// The shared pool store contract (what a store several processes share adds: pool decisions under a per-pool lock on
// the database's current state, and the events feed followed across processes). Only PostgreSQL is shared:
// shared-pool-store.postgres.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SharedPoolStore } from '../../src/store/shared-pool-store.js';
import type { StoredEvent, Store } from '../../src/store/store.js';
import { batch, event, lease } from './contract-fixtures.js';
import { openStore } from './open-store.js';
import type { StoreHarness } from './store-contract.js';

/** The shared part of a store, which every store in this suite must have. */
function shared(store: Store): SharedPoolStore {
  assert.ok(store.shared, `a ${store.kind} store is not shared`);
  return store.shared;
}

/** Registers the shared pool store cases for one adapter. */
export function sharedPoolStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`shared pool store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('withPools: two handles deciding at once on one pool each see what the other committed', async () => {
      const other = h.open();
      try {
        const take = (s: Store, i: number) =>
          shared(s).withPools([4200], (state) =>
            state.leases.filter((l) => l.moduleId === 4200).length < 5
              ? [batch({ changes: [{ kind: 'lease.put', lease: lease(4200, `w-${i}`, 1_000) }] })]
              : [],
          );
        await Promise.all(Array.from({ length: 12 }, (_, i) => take(i % 2 ? store : other, i)));
        const held = (await store.loadPools()).leases.filter((l) => l.moduleId === 4200);
        assert.equal(held.length, 5, 'the quantity is never exceeded');
      } finally {
        await other.close();
      }
    });

    test('follow: events another handle commits arrive in seq order; our own are left to their writers', async () => {
      const other = h.open();
      const seen: StoredEvent[] = [];
      const stop = shared(store).follow(await shared(store).headSeq(), (events) => {
        seen.push(...events);
      });
      try {
        const [[own]] = (await store.commit([batch({ events: [event('own', null, 'a')] })])) as [[number]];
        const theirs = await other.commit([
          batch({ events: [event('theirs', null, 'b'), event('theirs', null, 'c')] }),
        ]);
        const deadline = Date.now() + 5_000;
        while (seen.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.deepEqual(
          seen.map((e) => e.seq),
          theirs[0],
        );
        assert.ok(!seen.some((e) => e.seq === own));
        assert.equal(await shared(store).headSeq(), theirs[0]?.at(-1));
      } finally {
        await stop();
        await other.close();
      }
    });
  });
}
