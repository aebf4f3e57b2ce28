// The hierarchy store contract (child nodes, reports, allocations with their one growing sequence, the guard that keeps
// racing allocations within what the node holds), run against every store adapter: hierarchy-store.*.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChildNodeRecord } from '../../src/store/hierarchy-store.js';
import type { NewAuditRecord, NewEvent, Store } from '../../src/store/store.js';
import type { StoreHarness } from './store-contract.js';
import { openStore } from './open-store.js';

const child = (id: string, hardwareKey: string, registeredAt: number): ChildNodeRecord => ({
  id,
  name: `site ${id}`,
  hardwareKey,
  countedAs: 1003,
  publicKey: `ed25519:${id}`,
  tokenId: 'tok_node',
  registeredAt,
  lastSyncAt: registeredAt,
  report: null,
  allocation: null,
  allocationSeq: 0,
  allocationUpdatedAt: null,
});
const event = (type: string, subject: string, at: number): NewEvent => ({
  type,
  moduleId: null,
  subject,
  data: { type },
  at,
});
const audit = (id: string, target: string): NewAuditRecord => ({
  id,
  at: 9000,
  actor: { tokenId: 'tok_admin', name: 'ops' },
  action: 'allocation.changed',
  target,
  details: null,
});
const hw = (c: string) => c.repeat(64);

/** Registers the hierarchy store cases for one adapter. */
export function hierarchyStoreContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`hierarchy store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('children: registered with their event, listed in registration order, found by hardware key by another handle', async () => {
      const seqA = await store.hierarchy.insertChild(
        child('node_a', hw('a'), 1000),
        event('node.registered', 'node_a', 1000),
      );
      const seqB = await store.hierarchy.insertChild(
        child('node_b', hw('b'), 2000),
        event('node.registered', 'node_b', 2000),
      );
      assert.ok(seqB > seqA, 'event sequence numbers grow');
      assert.deepEqual(
        (await store.hierarchy.listChildren()).map((c) => c.id),
        ['node_a', 'node_b'],
      );
      const other = h.open();
      try {
        const found = await other.hierarchy.findChildByHardwareKey(hw('b'));
        assert.deepEqual(found, child('node_b', hw('b'), 2000));
        assert.equal(await other.hierarchy.findChildByHardwareKey(hw('c')), null);
      } finally {
        await other.close();
      }
      const events = await store.listEvents({ after: 0, limit: 10, types: ['node.registered'] });
      assert.deepEqual(
        events.map((e) => e.subject),
        ['node_a', 'node_b'],
      );
      // One hardware key is one child: a second registration of it is refused, whatever the id.
      await assert.rejects(
        store.hierarchy.insertChild(child('node_x', hw('a'), 3000), event('node.registered', 'node_x', 3000)),
      );
    });

    test('a sync records the time, the report and what the child now says about itself', async () => {
      const report = {
        licenseState: 'valid',
        usage: [{ moduleId: 4001, quantity: 2, used: 1, blocked: 0 }],
        children: [{ id: 'node_deeper' }],
      };
      await store.hierarchy.recordSync('node_a', 5000, report, {
        name: 'Site A (renamed)',
        countedAs: null,
        publicKey: 'ed25519:new',
      });
      const a = (await store.hierarchy.listChildren()).find((c) => c.id === 'node_a');
      assert.deepEqual(
        { lastSyncAt: a?.lastSyncAt, report: a?.report, name: a?.name, publicKey: a?.publicKey },
        { lastSyncAt: 5000, report, name: 'Site A (renamed)', publicKey: 'ed25519:new' },
      );
      assert.equal(a?.registeredAt, 1000, 'registration time is kept');
    });

    test('allocations: one growing sequence for the whole node, with event and audit in one transaction; a guard refusal writes nothing', async () => {
      const first = await store.hierarchy.setAllocation(
        'node_a',
        { 4001: 2 },
        6000,
        event('allocation.changed', 'node_a', 6000),
        audit('aud_1', 'node_a'),
      );
      assert.ok('seq' in first);
      const second = await store.hierarchy.setAllocation(
        'node_b',
        { 4001: 1 },
        6100,
        event('allocation.changed', 'node_b', 6100),
        audit('aud_2', 'node_b'),
      );
      assert.ok(
        'seq' in second && 'seq' in first && second.seq > first.seq,
        'the sequence is one counter for the node',
      );
      // The guard sees every child as stored in the transaction and may refuse: nothing is written then.
      let seen: string[] = [];
      const refused = await store.hierarchy.setAllocation(
        'node_b',
        { 4001: 9 },
        6200,
        event('allocation.changed', 'node_b', 6200),
        audit('aud_3', 'node_b'),
        (children) => {
          seen = children.map((c) => `${c.id}:${JSON.stringify(c.allocation)}`);
          return { ok: false, code: 'ALLOCATION_EXCEEDED', message: 'over what the node holds' };
        },
      );
      assert.ok('refused' in refused && refused.refused.code === 'ALLOCATION_EXCEEDED');
      assert.deepEqual(seen.sort(), ['node_a:{"4001":2}', 'node_b:{"4001":1}']);
      const b = (await store.hierarchy.listChildren()).find((c) => c.id === 'node_b');
      assert.deepEqual(b?.allocation, { 4001: 1 });
      const audits = await store.listAudit({ after: 0, limit: 10 });
      assert.deepEqual(
        audits.map((e) => e.id),
        ['aud_1', 'aud_2'],
      );
    });

    test('forgetting a child removes it with its event; the sequence never goes back for a child registering again', async () => {
      const before = (await store.hierarchy.listChildren()).find((c) => c.id === 'node_a')?.allocationSeq ?? 0;
      const seq = await store.hierarchy.deleteChild('node_a', event('node.forgotten', 'node_a', 7000), null);
      assert.ok(seq !== null);
      assert.equal(
        await store.hierarchy.deleteChild('node_a', event('node.forgotten', 'node_a', 7001), null),
        null,
        'an unknown child is null',
      );
      assert.equal(await store.hierarchy.findChildByHardwareKey(hw('a')), null);
      await store.hierarchy.insertChild(child('node_a2', hw('a'), 8000), event('node.registered', 'node_a2', 8000));
      const again = await store.hierarchy.setAllocation(
        'node_a2',
        { 4001: 1 },
        8100,
        event('allocation.changed', 'node_a2', 8100),
        null,
      );
      assert.ok(
        'seq' in again && again.seq > before,
        'a child that registers again gets a higher sequence than any before',
      );
    });
  });
}
