// The store contract: what every store adapter must do, as one set of cases run against each adapter
// (store-contract.sqlite.test.ts, store-contract.postgres.test.ts). A new store passes this suite or is not a store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { coldOpsContract } from './cold-ops-contract.js';
import { audit, batch, event, lease, member } from './contract-fixtures.js';
import { openStore } from './open-store.js';

/** How a contract run opens stores: `open()` gives another handle on the same database (as a second process would). */
export interface StoreHarness {
  open(): Store;
  /** Runs raw SQL against the same database (to try what the interface never offers, e.g. an UPDATE of the audit log). */
  exec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Registers the contract's cases for one adapter. */
export function storeContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    openStore(makeHarness, (opened, s) => {
      h = opened;
      store = s;
    });

    test('migrations are idempotent, and stores starting together apply each version once', async () => {
      await store.migrate();
      const others = [h.open(), h.open(), h.open()];
      await Promise.all(others.map((s) => s.migrate()));
      await Promise.all(others.map((s) => s.close()));
      assert.equal(await store.ping(), true);
    });

    test('a commit writes pool changes in order: the last change to a key wins', async () => {
      const seqs = await store.commit([
        batch({
          changes: [
            { kind: 'lease.put', lease: lease(101, 'a', 1000) },
            { kind: 'lease.put', lease: lease(101, 'b', 1000) },
          ],
        }),
        batch({
          changes: [
            { kind: 'lease.delete', moduleId: 101, holderId: 'a' },
            { kind: 'lease.put', lease: lease(101, 'b', 1000, { expiresAt: 99_000, sessionId: 'ses_1' }) },
          ],
        }),
        batch({
          changes: [
            { kind: 'member.put', member: member(102, 'r1', 1) },
            {
              kind: 'member.put',
              member: member(102, 'r2', 2, { state: 'blocked', blockedReason: 'beyond_quantity', features: [] }),
            },
            { kind: 'member.delete', moduleId: 102, memberId: 'r1' },
          ],
        }),
        batch({
          changes: [
            { kind: 'quota.put', quota: { moduleId: 103, count: 7, reportedAt: 3000, state: 'ok' } },
            { kind: 'quota.put', quota: { moduleId: 103, count: 12, reportedAt: 3100, state: 'over_quota' } },
          ],
        }),
      ]);
      assert.deepEqual(seqs, [[], [], [], []]);
      const snap = await store.loadPools();
      assert.deepEqual(
        snap.leases.filter((l) => l.moduleId === 101),
        [lease(101, 'b', 1000, { expiresAt: 99_000, sessionId: 'ses_1' })],
      );
      assert.deepEqual(
        snap.members.filter((m) => m.moduleId === 102),
        [member(102, 'r2', 2, { state: 'blocked', blockedReason: 'beyond_quantity', features: [] })],
      );
      assert.deepEqual(
        snap.quotas.filter((q) => q.moduleId === 103),
        [{ moduleId: 103, count: 12, reportedAt: 3100, state: 'over_quota' }],
      );
      await store.commit([
        batch({
          changes: [
            { kind: 'lease.put', lease: lease(101, 'a', 2000) },
            { kind: 'lease.delete', moduleId: 101, holderId: 'a' },
          ],
        }),
      ]);
      assert.equal((await store.loadPools()).leases.filter((l) => l.holderId === 'a').length, 0);
    });

    test('a member blocked for its profile is stored blocked with the missing add-ons, and back active without them', async () => {
      const blocked = member(105, 'video', 1, {
        state: 'blocked',
        blockedReason: 'features_unlicensed',
        features: [2101, 2105],
        missingFeatures: [2105],
      });
      await store.commit([batch({ changes: [{ kind: 'member.put', member: blocked }] })]);
      assert.deepEqual(
        (await store.loadPools()).members.filter((m) => m.moduleId === 105),
        [blocked],
      );
      const fixed = member(105, 'video', 1, { features: [2101] });
      await store.commit([batch({ changes: [{ kind: 'member.put', member: fixed }] })]);
      assert.deepEqual(
        (await store.loadPools()).members.filter((m) => m.moduleId === 105),
        [fixed],
      );
    });

    test('members load in connection order (first connected, then seq)', async () => {
      await store.commit([
        batch({
          changes: [
            member(104, 'late', 3, { firstConnectedAt: 50 }),
            member(104, 'early', 9, { firstConnectedAt: 10 }),
            member(104, 'tie', 1, { firstConnectedAt: 50 }),
          ].map((m) => ({ kind: 'member.put' as const, member: m })),
        }),
      ]);
      const order = (await store.loadPools()).members.filter((m) => m.moduleId === 104).map((m) => m.memberId);
      assert.deepEqual(order, ['early', 'tie', 'late']);
    });

    test('events get strictly increasing sequence numbers, per batch in order, and ids evt_<seq>', async () => {
      const seqs = await store.commit([
        batch({ events: [event('slot.acquired', 201, 'a'), event('slot.released', 201, 'a')] }),
        batch({}),
        batch({ events: [event('member.joined', 202, 'r')] }),
      ]);
      assert.equal(seqs.length, 3);
      assert.deepEqual(seqs[1], []);
      const flat = seqs.flat();
      assert.equal(flat.length, 3);
      for (let i = 1; i < flat.length; i++) assert.ok((flat[i] as number) > (flat[i - 1] as number));
      const listed = await store.listEvents({ after: (flat[0] as number) - 1, limit: 10 });
      assert.deepEqual(
        listed.slice(0, 3).map((e) => [e.seq, e.id, e.type, e.moduleId, e.subject, e.data]),
        [
          [flat[0], `evt_${flat[0]}`, 'slot.acquired', 201, 'a', { n: 'a' }],
          [flat[1], `evt_${flat[1]}`, 'slot.released', 201, 'a', { n: 'a' }],
          [flat[2], `evt_${flat[2]}`, 'member.joined', 202, 'r', { n: 'r' }],
        ],
      );
    });

    test('listEvents: cursor, limit, type and module filters; null module and data round-trip', async () => {
      const s0 = (
        await store.commit([
          batch({ events: [{ type: 'license.expired', moduleId: null, subject: null, data: null, at: 1 }] }),
        ])
      )[0]?.[0] as number;
      await store.commit([
        batch({
          events: [event('slot.acquired', 301, 'x'), event('slot.evicted', 301, 'y'), event('slot.acquired', 302, 'z')],
        }),
      ]);
      const all = await store.listEvents({ after: s0 - 1, limit: 100 });
      assert.deepEqual(all[0], {
        seq: s0,
        id: `evt_${s0}`,
        type: 'license.expired',
        moduleId: null,
        subject: null,
        data: null,
        at: 1,
      });
      assert.equal(all.length, 4);
      assert.deepEqual(
        (await store.listEvents({ after: s0, limit: 2 })).map((e) => e.subject),
        ['x', 'y'],
      );
      assert.deepEqual(
        (await store.listEvents({ after: s0, limit: 100, types: ['slot.acquired'] })).map((e) => e.subject),
        ['x', 'z'],
      );
      assert.deepEqual(
        (
          await store.listEvents({ after: s0, limit: 100, types: ['slot.acquired', 'slot.evicted'], moduleId: 301 })
        ).map((e) => e.subject),
        ['x', 'y'],
      );
      assert.deepEqual(await store.listEvents({ after: (all.at(-1) as { seq: number }).seq, limit: 10 }), []);
    });

    test('two handles committing at once: every seq distinct, and the feed read in seq order has no holes between them', async () => {
      const other = h.open();
      try {
        const before = (await store.listEvents({ after: 0, limit: 100_000 })).length;
        const runs = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 ? store : other).commit([
              batch({ events: [event('slot.acquired', 401, `c${i}`), event('slot.released', 401, `c${i}`)] }),
            ]),
          ),
        );
        const seqs = runs.flat(2).sort((a, b) => a - b);
        assert.equal(new Set(seqs).size, 80);
        const feed = await store.listEvents({ after: 0, limit: 100_000 });
        assert.equal(feed.length, before + 80);
        for (let i = 1; i < feed.length; i++)
          assert.ok((feed[i] as { seq: number }).seq > (feed[i - 1] as { seq: number }).seq);
      } finally {
        await other.close();
      }
    });

    test('idempotency records: stored with their operation, the first answer wins', async () => {
      const rec = { tokenId: 'tok_a', key: 'k-1', fingerprint: 'fp', status: 201, body: '{"ok":true}', createdAt: 10 };
      await store.commit([batch({ idempotency: [rec], changes: [{ kind: 'lease.put', lease: lease(501, 'i', 1) }] })]);
      await store.commit([batch({ idempotency: [{ ...rec, status: 409, body: '{}' }] })]);
      assert.deepEqual(await store.getIdempotency('tok_a', 'k-1'), rec);
      assert.equal(await store.getIdempotency('tok_a', 'k-2'), null);
      assert.equal(await store.getIdempotency('tok_b', 'k-1'), null);
    });

    test('license: stored with its event and audit entry in one transaction, replaced by the next', async () => {
      assert.equal(await store.getLicense(), null);
      const s1 = await store.putLicense(
        'LICENSE-1',
        100,
        event('license.installed', null, 'lic_1'),
        audit('aud_lic1', 'license.installed'),
      );
      const s2 = await store.putLicense('LICENSE-2', 200, event('license.installed', null, 'lic_2'));
      assert.ok(s2 > s1);
      assert.deepEqual(await store.getLicense(), { text: 'LICENSE-2', installedAt: 200 });
      const evs = await store.listEvents({ after: s1 - 1, limit: 10, types: ['license.installed'] });
      assert.deepEqual(
        evs.map((e) => e.subject),
        ['lic_1', 'lic_2'],
      );
      assert.ok(
        (await store.listAudit({ after: 0, limit: 1000 })).some(
          (a) => a.id === 'aud_lic1' && a.action === 'license.installed',
        ),
      );
    });

    test('tokens: create, find by hash, list, revoke once', async () => {
      const t = { id: 'tok_c1', name: 'cash desk', role: 'app' as const, hash: 'h1', createdAt: 1, revokedAt: null };
      await store.createToken(t);
      await store.createToken({ ...t, id: 'tok_c2', hash: 'h2', createdAt: 2, role: 'admin' });
      await assert.rejects(store.createToken({ ...t, id: 'tok_c3' }), 'a hash is unique');
      assert.deepEqual(await store.findTokenByHash('h1'), t);
      assert.equal(await store.findTokenByHash('nope'), null);
      assert.deepEqual(
        (await store.listTokens()).map((x) => x.id),
        ['tok_c1', 'tok_c2'],
      );
      assert.equal(await store.revokeToken('tok_c1', 50), true);
      assert.equal(await store.revokeToken('tok_c1', 60), false);
      assert.equal(await store.revokeToken('tok_missing', 60), false);
      assert.equal((await store.findTokenByHash('h1'))?.revokedAt, 50);
    });

    test('audit log: append-only, cursor in append order, written with a commit batch too', async () => {
      const a1 = await store.appendAudit(audit('aud_1'));
      await store.commit([
        batch({
          audit: [audit('aud_2', 'lease.force_released')],
          changes: [{ kind: 'lease.delete', moduleId: 1, holderId: 'nobody' }],
        }),
      ]);
      const a3 = await store.appendAudit(audit('aud_3', 'token.revoked'));
      assert.ok(a3 > a1);
      const list = await store.listAudit({ after: a1 - 1, limit: 10 });
      assert.deepEqual(
        list.map((a) => a.id),
        ['aud_1', 'aud_2', 'aud_3'],
      );
      assert.deepEqual(list[0], { seq: a1, ...audit('aud_1') });
      assert.deepEqual(
        (await store.listAudit({ after: a1, limit: 1 })).map((a) => a.id),
        ['aud_2'],
      );
      await assert.rejects(h.exec("UPDATE audit SET actor_name = 'x'"), /append-only/);
      await assert.rejects(h.exec('DELETE FROM audit'), /append-only/);
      assert.equal((await store.listAudit({ after: 0, limit: 1000 })).length >= 3, true);
    });

    test('meta: get, set, overwrite; initMeta keeps the first value, whoever races', async () => {
      assert.equal(await store.getMeta('clock.latest_seen'), null);
      await store.setMeta('clock.latest_seen', '1');
      await store.setMeta('clock.latest_seen', '2');
      assert.equal(await store.getMeta('clock.latest_seen'), '2');
      const others = [h.open(), h.open()];
      try {
        const won = await Promise.all([store, ...others].map((s, i) => s.initMeta('node.identity', `candidate-${i}`)));
        assert.equal(new Set(won).size, 1, JSON.stringify(won));
        assert.equal(await store.getMeta('node.identity'), won[0]);
        assert.equal(await store.initMeta('node.identity', 'late'), won[0]);
      } finally {
        await Promise.all(others.map((s) => s.close()));
      }
    });

    coldOpsContract(() => ({ h, store }));

    // Last in the contract: it deletes the events the cases above wrote.
    test('pruneEvents: a step looks at the events after a cursor, deletes the old ones, never the newest; dated-ahead ones are stepped over', async () => {
      const young = 4_000_000_000_000;
      const now = young + 1_000;
      const ahead = now + 86_400_000; // written while the clock ran a day fast
      const seqs = (
        await store.commit([
          batch({
            events: [
              event('slot.acquired', 501, 'f1', ahead),
              event('slot.acquired', 501, 'y1', young),
              event('slot.released', 501, 'y1', young + 1),
              event('slot.acquired', 501, 'y2', young + 2),
            ],
          }),
        ])
      )[0] as number[];
      const older = (await store.listEvents({ after: 0, limit: 100_000 })).length - 4;
      assert.ok(older > 0, 'the cases above left events to prune');
      // Sweep in steps of 5 from the start, as the retention pass does, until the events it keeps.
      let cursor = 0;
      let deleted = 0;
      for (;;) {
        const step = await store.pruneEvents({ afterSeq: cursor, before: young, now, limit: 5 });
        deleted += step.deleted;
        assert.ok(step.examined <= 5);
        if (step.examined < 5 || step.sawRecent) break;
        cursor = step.lastSeq;
      }
      assert.equal(deleted, older);
      assert.deepEqual(
        (await store.listEvents({ after: 0, limit: 100 })).map((e) => e.subject),
        ['f1', 'y1', 'y1', 'y2'],
      );
      // A step made only of events dated ahead deletes nothing and does not count as reaching the recent ones.
      const stuck = await store.pruneEvents({ afterSeq: 0, before: young, now, limit: 1 });
      assert.deepEqual(stuck, { examined: 1, deleted: 0, lastSeq: seqs[0], sawRecent: false });
      // Everything is old a week later, except the newest event, which always stays.
      const later = await store.pruneEvents({ afterSeq: 0, before: ahead + 1, now: ahead + 2, limit: 100 });
      assert.deepEqual(later, { examined: 3, deleted: 3, lastSeq: seqs[2], sawRecent: false });
      assert.deepEqual(
        (await store.listEvents({ after: 0, limit: 100 })).map((e) => e.seq),
        [seqs[3]],
      );
      assert.deepEqual(await store.pruneEvents({ afterSeq: 0, before: ahead + 1, now: ahead + 2, limit: 100 }), {
        examined: 0,
        deleted: 0,
        lastSeq: 0,
        sawRecent: false,
      });
      const [next] = (
        await store.commit([batch({ events: [event('slot.released', 501, 'y2', young + 3)] })])
      )[0] as number[];
      assert.ok((next as number) > (seqs[3] as number), 'sequence numbers keep growing after a prune');
    });
  });
}
