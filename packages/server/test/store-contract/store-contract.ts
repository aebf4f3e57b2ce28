// The store contract: what every store adapter must do, as one set of cases run against each adapter
// (store-contract.sqlite.test.ts, store-contract.postgres.test.ts). A new store passes this suite or is not a store.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Lease, LedgerEntry, Member, RentalPlan } from '@licensor/core';
import type { RentalRecord } from '../../src/store/billing-store.js';
import type { CommitBatch, NewAuditRecord, NewEvent, Store } from '../../src/store/store.js';

/** How a contract run opens stores: `open()` gives another handle on the same database (as a second process would). */
export interface StoreHarness {
  open(): Store;
  /** Runs raw SQL against the same database (to try what the interface never offers, e.g. an UPDATE of the audit log). */
  exec(sql: string): Promise<void>;
  cleanup(): Promise<void>;
}

const lease = (moduleId: number, holderId: string, at: number, over: Partial<Lease> = {}): Lease => ({
  moduleId,
  holderId,
  leaseId: `lse_${holderId}`,
  sessionId: null,
  acquiredAt: at,
  lastHeartbeatAt: at,
  lastActivityAt: at,
  expiresAt: at + 30_000,
  ...over,
});
const member = (moduleId: number, memberId: string, seq: number, over: Partial<Member> = {}): Member => ({
  moduleId,
  memberId,
  seq,
  firstConnectedAt: 1000 + seq,
  lastSeenAt: 2000 + seq,
  state: 'active',
  blockedReason: null,
  features: [2101],
  missingFeatures: [],
  ...over,
});
const event = (type: string, moduleId: number | null, subject: string, at = 5000): NewEvent => ({
  type,
  moduleId,
  subject,
  data: { n: subject },
  at,
});
const batch = (over: Partial<CommitBatch>): CommitBatch => ({
  changes: [],
  events: [],
  idempotency: [],
  audit: [],
  ...over,
});
const audit = (id: string, action: NewAuditRecord['action'] = 'token.created'): NewAuditRecord => ({
  id,
  at: 7000,
  actor: { tokenId: 'tok_1', name: 'ops' },
  action,
  target: 'tok_x',
  details: { k: id },
});

/** Registers the contract's cases for one adapter. */
export function storeContract(
  name: string,
  makeHarness: () => Promise<StoreHarness>,
  skip: string | false = false,
): void {
  describe(`store contract: ${name}`, { skip }, () => {
    let h: StoreHarness;
    let store: Store;
    before(async () => {
      h = await makeHarness();
      store = h.open();
      await store.migrate();
    });
    after(async () => {
      await store?.close();
      await h?.cleanup();
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

    test('billing: accounts, ledger and balance, top-ups once per reference, reads after a cursor', async () => {
      const at = 1_000;
      const entry = (
        id: string,
        kind: LedgerEntry['kind'],
        amount: number,
        over: Partial<LedgerEntry> = {},
      ): LedgerEntry => ({
        id,
        accountId: 'bac_1',
        kind,
        amount,
        currency: 'EUR',
        reference: null,
        rentalId: null,
        periodIndex: null,
        note: null,
        at,
        ...over,
      });
      const seqs = await store.billing.atomically((tx) => {
        tx.insertAccount({ id: 'bac_1', customerId: 'cus_1', customerName: 'Cafe', currency: 'EUR', createdAt: at });
        return [
          tx.insertLedger(entry('led_1', 'topup', 10_000, { reference: 'pay-1' })),
          tx.insertLedger(entry('led_2', 'adjustment', -250, { note: 'fix' })),
        ];
      });
      assert.ok((seqs[1] as number) > (seqs[0] as number));
      await assert.rejects(
        store.billing.atomically((tx) => tx.insertLedger(entry('led_3', 'topup', 5, { reference: 'pay-1' }))),
        'a payment reference is recorded once',
      );
      const view = await store.billing.read((tx) => ({
        account: tx.getAccount('bac_1'),
        balance: tx.balance('bac_1'),
        topUp: tx.findTopUp('pay-1'),
        none: tx.findTopUp('pay-2'),
        after: tx.listLedger('bac_1', seqs[0] as number, 10),
        missing: tx.getAccount('bac_x'),
      }));
      assert.deepEqual(view.account, {
        id: 'bac_1',
        customerId: 'cus_1',
        customerName: 'Cafe',
        currency: 'EUR',
        createdAt: at,
      });
      assert.equal(view.balance, 9_750);
      assert.deepEqual(view.topUp, { seq: seqs[0], ...entry('led_1', 'topup', 10_000, { reference: 'pay-1' }) });
      assert.equal(view.none, null);
      assert.equal(view.missing, null);
      assert.deepEqual(
        view.after.map((e) => e.id),
        ['led_2'],
      );
      await assert.rejects(h.exec('DELETE FROM ledger'), /append-only/);
    });

    test('billing: a throw rolls the whole transaction back, events included', async () => {
      const head = (await store.listEvents({ after: 0, limit: 100_000 })).at(-1)?.seq ?? 0;
      await assert.rejects(
        store.billing.atomically((tx) => {
          tx.insertAccount({ id: 'bac_rb', customerId: 'c', customerName: 'n', currency: 'EUR', createdAt: 1 });
          tx.insertEvent(event('billing.topped_up', null, 'bac_rb'));
          throw new Error('no');
        }),
        /no/,
      );
      assert.equal(await store.billing.read((tx) => tx.getAccount('bac_rb')), null);
      assert.deepEqual(await store.listEvents({ after: head, limit: 10 }), []);
    });

    test('billing: plans, rentals guarded by period and status, a period charged once, due rentals, issued files', async () => {
      const plan: RentalPlan = {
        id: 'rpl_1',
        name: 'Monthly',
        period: 'month',
        price: 1_000,
        currency: 'EUR',
        graceMs: 5,
        entitlements: [{ moduleId: 4001, quantity: 2 }],
        createdAt: 1,
      };
      const rental: RentalRecord = {
        id: 'rnt_1',
        accountId: 'bac_r',
        planId: 'rpl_1',
        licenseId: 'lic_r',
        hardwareKey: 'a'.repeat(64),
        scope: 'centralized',
        customerName: 'Cafe',
        anchorAt: 0,
        anchorIndex: 0,
        periodIndex: 0,
        periodEnd: 100,
        status: 'active',
        warnedIndex: -1,
        createdAt: 1,
        updatedAt: 1,
      };
      const ev = await store.billing.atomically((tx) => {
        tx.insertAccount({ id: 'bac_r', customerId: 'c', customerName: 'Cafe', currency: 'EUR', createdAt: 1 });
        tx.insertPlan(plan);
        tx.insertRental(rental);
        tx.insertIssued({
          licenseId: 'lic_r',
          rentalId: 'rnt_1',
          hardwareKey: rental.hardwareKey,
          notAfter: 105,
          text: 'FILE-0',
          issuedAt: 1,
        });
        tx.insertIssued({
          licenseId: 'lic_r',
          rentalId: 'rnt_1',
          hardwareKey: rental.hardwareKey,
          notAfter: 205,
          text: 'FILE-1',
          issuedAt: 2,
        });
        return tx.insertEvent(event('license.renewed', null, 'lic_r'));
      });
      const read = await store.billing.read((tx) => ({
        plan: tx.getPlan('rpl_1'),
        plans: tx.listPlans().map((p) => p.id),
        rental: tx.getRental('rnt_1'),
        byLicense: tx.getRentalByLicense('lic_r')?.id,
        ofAccount: tx.rentalsOfAccount('bac_r').map((r) => r.id),
        due: tx.dueRentals(100, 10),
        notDue: tx.dueRentals(99, 10),
        latest: tx.latestIssued('lic_r')?.text,
        forKey: tx.latestIssuedForHardwareKey(rental.hardwareKey)?.text,
      }));
      assert.deepEqual(read.plan, plan);
      assert.deepEqual(read.plans, ['rpl_1']);
      assert.deepEqual(read.rental, rental);
      assert.equal(read.byLicense, 'rnt_1');
      assert.deepEqual(read.ofAccount, ['rnt_1']);
      assert.deepEqual(read.due, ['rnt_1']);
      assert.deepEqual(read.notDue, []);
      assert.equal(read.latest, 'FILE-1');
      assert.equal(read.forKey, 'FILE-1');
      assert.deepEqual(
        (await store.listEvents({ after: ev - 1, limit: 1 })).map((e) => e.type),
        ['license.renewed'],
      );
      const next = { ...rental, periodIndex: 1, periodEnd: 200, updatedAt: 2 };
      const charge: LedgerEntry = {
        id: 'led_c1',
        accountId: 'bac_r',
        kind: 'rental_charge',
        amount: -1_000,
        currency: 'EUR',
        reference: null,
        rentalId: 'rnt_1',
        periodIndex: 1,
        note: null,
        at: 2,
      };
      assert.equal(
        await store.billing.atomically(
          (tx) => tx.updateRental(next, { periodIndex: 0, status: 'active' }) && tx.insertLedger(charge) > 0,
        ),
        true,
      );
      assert.equal(
        await store.billing.atomically((tx) =>
          tx.updateRental({ ...next, periodIndex: 2 }, { periodIndex: 0, status: 'active' }),
        ),
        false,
        'the period already moved',
      );
      await assert.rejects(
        store.billing.atomically((tx) => tx.insertLedger({ ...charge, id: 'led_c2' })),
        'a period is charged once',
      );
      assert.equal(await store.billing.read((tx) => tx.balance('bac_r')), -1_000);
    });

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
