// The shared pool store contract (what a store several processes share adds: pool ownership with its fencing epochs,
// and the events feed followed across processes). Only PostgreSQL is shared:
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

    test('ownership: one handle takes a pool, the other finds it owned, and takes it once the first lets go', async () => {
      const other = h.open();
      try {
        const a = shared(store).openOwnership(() => undefined);
        const b = shared(other).openOwnership(() => undefined);
        const first = await a.tryTake(4200, 'prc_a', 'http://a', 1);
        assert.ok(first !== null && first >= 1);
        assert.equal(await b.tryTake(4200, 'prc_b', 'http://b', 2), null, 'a pool has one owner at a time');
        assert.deepEqual(await b.owner(4200), { moduleId: 4200, epoch: first, ownerId: 'prc_a', ownerUrl: 'http://a' });
        await a.announce('prc_a', 'http://a2');
        assert.equal((await b.owner(4200))?.ownerUrl, 'http://a2');
        await a.close();
        const second = await b.tryTake(4200, 'prc_b', 'http://b', 3);
        assert.equal(second, first + 1, 'the epoch grows with each owner');
        await b.close();
      } finally {
        await other.close();
      }
    });

    test('fence: a commit made under an epoch another process has moved past writes nothing', async () => {
      const other = h.open();
      try {
        const a = shared(store).openOwnership(() => undefined);
        const b = shared(other).openOwnership(() => undefined);
        const epoch = (await a.tryTake(4201, 'prc_a', 'http://a', 1)) as number;
        const put = (holder: string, e: number) =>
          batch({
            changes: [{ kind: 'lease.put', lease: lease(4201, holder, 1_000) }],
            fence: { pools: [[4201, e]], licenseInstalledAt: null },
          });
        await store.commit([put('held-under-a', epoch)]);
        await a.close();
        const next = (await b.tryTake(4201, 'prc_b', 'http://b', 2)) as number;
        await assert.rejects(store.commit([put('late-from-a', epoch)]), { name: 'OwnershipLostError' });
        await other.commit([put('from-b', next)]);
        const held = (await store.loadPools()).leases.filter((l) => l.moduleId === 4201).map((l) => l.holderId);
        assert.deepEqual(held.sort(), ['from-b', 'held-under-a']);
        await b.close();
      } finally {
        await other.close();
      }
    });

    test('ownership: a lock connection that dies frees its pools and says so', async () => {
      const other = h.open();
      try {
        let lost = 0;
        const a = shared(store).openOwnership(() => {
          lost++;
        });
        const b = shared(other).openOwnership(() => undefined);
        assert.ok((await a.tryTake(4202, 'prc_a', 'http://a', 1)) !== null);
        // What a SIGKILL of the owner looks like to PostgreSQL: the session holding the lock goes away.
        await h.exec(
          `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4202 AND objsubid = 2`,
        );
        const deadline = Date.now() + 5_000;
        let taken: number | null = null;
        while (taken === null && Date.now() < deadline) {
          taken = await b.tryTake(4202, 'prc_b', 'http://b', 2);
          if (taken === null) await new Promise((r) => setTimeout(r, 20));
        }
        assert.ok(taken !== null, 'another handle takes the pool once the holder is gone');
        while (lost === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(lost, 1);
        await a.close();
        await b.close();
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

    test('the commit function plans no sequential scan (a plan made on an empty leases table stays keyed)', async () => {
      // Its plans live as long as the connection: one made while the table was empty must not scan it once it churns.
      await h.exec(`DO $$ BEGIN
        IF NOT COALESCE((SELECT 'enable_seqscan=off' = ANY (proconfig) FROM pg_proc
                         WHERE proname = 'licensor_write_pools' AND pronamespace = current_schema()::regnamespace), false)
        THEN RAISE EXCEPTION 'licensor_write_pools may plan sequential scans';
        END IF;
      END $$`);
    });
  });
}
