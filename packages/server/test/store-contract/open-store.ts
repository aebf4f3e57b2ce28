// The hooks every contract suite starts with: a harness and a migrated store before its cases, both closed after.
import { after, before } from 'node:test';
import type { Store } from '../../src/store/store.js';
import type { StoreHarness } from './store-contract.js';

/**
 * Registers the suite's before/after hooks and hands the harness and the migrated store to `opened`; `prepare` runs on
 * the fresh harness before any store opens the database.
 */
export function openStore<H extends StoreHarness>(
  makeHarness: () => Promise<H>,
  opened: (h: H, store: Store) => void,
  prepare?: (h: H) => Promise<void>,
): void {
  let h: H | undefined;
  let store: Store | undefined;
  before(async () => {
    h = await makeHarness();
    await prepare?.(h);
    store = h.open();
    await store.migrate();
    opened(h, store);
  });
  after(async () => {
    await store?.close();
    await h?.cleanup();
  });
}
