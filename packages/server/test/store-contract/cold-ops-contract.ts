// Store contract cases of the cold operations both adapters share (tokens, audit, idempotency, meta, license) seen
// from a second handle on the same database, as another process would see them. Registered by storeContract.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { audit, batch } from './contract-fixtures.js';
import type { StoreHarness } from './store-contract.js';

/** Registers the cases; `get` gives the suite's harness and migrated store once its hooks ran. */
export function coldOpsContract(get: () => { h: StoreHarness; store: Store }): void {
  test('tokens: listed by creation time then id; a revoked token is still found by its hash, from any handle', async () => {
    const { h, store } = get();
    const t = { id: 'tok_o2', name: 'ops', role: 'node' as const, hash: 'ho2', createdAt: 900, revokedAt: null };
    await store.createToken(t);
    await store.createToken({ ...t, id: 'tok_o1', hash: 'ho1' });
    const other = h.open();
    try {
      const listed = (await other.listTokens()).filter((x) => x.createdAt === 900).map((x) => x.id);
      assert.deepEqual(listed, ['tok_o1', 'tok_o2']);
      assert.equal(await other.revokeToken('tok_o2', 950), true);
      assert.deepEqual(await store.findTokenByHash('ho2'), { ...t, revokedAt: 950 });
      assert.equal(await store.revokeToken('tok_o2', 960), false);
    } finally {
      await other.close();
    }
  });

  test('audit log: two handles appending at once get distinct seqs, and the log lists them in seq order', async () => {
    const { h, store } = get();
    const other = h.open();
    try {
      const start = (await store.listAudit({ after: 0, limit: 100_000 })).at(-1)?.seq ?? 0;
      const seqs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? store : other).appendAudit(audit(`aud_race_${i}`))),
      );
      assert.equal(new Set(seqs).size, 20);
      const list = await store.listAudit({ after: start, limit: 100 });
      assert.deepEqual(
        list.map((a) => a.seq),
        [...seqs].sort((a, b) => a - b),
      );
      assert.deepEqual(list.map((a) => a.id).sort(), seqs.map((_, i) => `aud_race_${i}`).sort());
    } finally {
      await other.close();
    }
  });

  test('idempotency, meta and license: what one handle commits, another reads', async () => {
    const { h, store } = get();
    const rec = { tokenId: 'tok_x', key: 'k-x', fingerprint: 'f', status: 200, body: '{}', createdAt: 5 };
    await store.commit([batch({ idempotency: [rec] })]);
    await store.setMeta('node.name', 'north');
    const other = h.open();
    try {
      assert.deepEqual(await other.getIdempotency('tok_x', 'k-x'), rec);
      assert.equal(await other.getMeta('node.name'), 'north');
      await other.setMeta('node.name', 'south');
      assert.equal(await store.getMeta('node.name'), 'south');
      assert.equal(await other.initMeta('node.name', 'east'), 'south');
      assert.deepEqual(await other.getLicense(), await store.getLicense());
    } finally {
      await other.close();
    }
  });
}
