import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestNode, type TestNode } from './support/test-node.js';

type MemberRow = { memberId: string; position: number; state: string };

const sync = (t: TestNode, id: string, body?: unknown) =>
  t.api('PUT', `/v1/modules/2001/members/${id}`, body, t.appToken);

async function states(t: TestNode): Promise<Record<string, string>> {
  const pool = await t.api('GET', '/v1/pools/2001');
  assert.equal(pool.status, 200, JSON.stringify(pool.body));
  return Object.fromEntries((pool.body.members as MemberRow[]).map((m) => [m.memberId, m.state]));
}

// Seed: OpenService.Cash Register — beyond the licensed number, sync stops for the registers that connected last.
test('Cash Register (2001, BLOCK_LATEST): the latest registers are blocked and unblock in order', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 2001, quantity: 3 }] });
  try {
    for (let i = 1; i <= 5; i++) {
      const r = await sync(t, `reg-${i}`, {});
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.position, i);
      assert.equal(r.body.state, i <= 3 ? 'active' : 'blocked', `reg-${i}`);
      if (i > 3) assert.deepEqual(r.body.reasons, ['beyond_quantity']);
      else assert.deepEqual(r.body.reasons, []);
    }
    // A sync without a body is the same as {} (a register with no add-ons).
    const again = await sync(t, 'reg-1');
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.state, 'active');
    // Re-syncing keeps the order: reg-5 stays behind reg-4.
    assert.equal((await sync(t, 'reg-5', {})).body.state, 'blocked');
    assert.deepEqual(await states(t), {
      'reg-1': 'active',
      'reg-2': 'active',
      'reg-3': 'active',
      'reg-4': 'blocked',
      'reg-5': 'blocked',
    });

    // An admin removes reg-2: reg-4 (next in order) unblocks, reg-5 stays blocked.
    const forbidden = await t.api('DELETE', '/v1/modules/2001/members/reg-2', undefined, t.appToken);
    assert.equal(forbidden.status, 403);
    const del = await t.api('DELETE', '/v1/modules/2001/members/reg-2');
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.deepEqual(await states(t), { 'reg-1': 'active', 'reg-3': 'active', 'reg-4': 'active', 'reg-5': 'blocked' });
    assert.equal((await sync(t, 'reg-4', {})).body.state, 'active');
    assert.equal((await sync(t, 'reg-5', {})).body.state, 'blocked');

    // A new license with quantity 5: everybody is active.
    const install = await t.api('PUT', '/v1/license', {
      license: t.sign({ entitlements: [{ moduleId: 2001, quantity: 5 }] }),
    });
    assert.equal(install.status, 200, JSON.stringify(install.body));
    assert.deepEqual(await states(t), { 'reg-1': 'active', 'reg-3': 'active', 'reg-4': 'active', 'reg-5': 'active' });
    const r5 = await sync(t, 'reg-5', {});
    assert.equal(r5.body.state, 'active');
    assert.equal(r5.body.quantity, 5);

    const events = await t.api('GET', '/v1/events?type=member.blocked,member.unblocked');
    assert.equal(events.status, 200);
    const feed = (events.body.events as { type: string; subject: string }[]).map((e) => `${e.type} ${e.subject}`);
    assert.deepEqual(feed, [
      'member.blocked reg-4',
      'member.blocked reg-5',
      'member.unblocked reg-4',
      'member.unblocked reg-5',
    ]);
    // Cursor pagination: one event per page walks the same feed.
    const paged: string[] = [];
    let after = 0;
    for (;;) {
      const page = await t.api('GET', `/v1/events?type=member.blocked,member.unblocked&limit=1&after=${after}`);
      if (page.body.events.length === 0) break;
      paged.push(...page.body.events.map((e: { type: string; subject: string }) => `${e.type} ${e.subject}`));
      after = page.body.nextCursor;
    }
    assert.deepEqual(paged, feed);
  } finally {
    await t.close();
  }
});

// Seed: additional register functionality is licensed per item; a profile enabling an unlicensed one stops sync.
test('register profile with an unlicensed add-on is blocked, naming the missing feature; base functionality needs none', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 2001, quantity: 3 },
      { moduleId: 2101, quantity: null },
    ],
  });
  try {
    const base = await sync(t, 'reg-base', {});
    assert.equal(base.body.state, 'active');
    const licensed = await sync(t, 'reg-discounts', { features: [2101] });
    assert.equal(licensed.body.state, 'active', JSON.stringify(licensed.body));

    const r = await sync(t, 'reg-video', { features: [2101, 2105] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'blocked');
    assert.deepEqual(r.body.reasons, ['features_unlicensed']);
    assert.deepEqual(r.body.missingFeatures, [2105]);

    const check = await t.api('POST', '/v1/modules/2001/profile-check', { features: [2101, 2105] }, t.appToken);
    assert.equal(check.status, 409);
    assert.equal(check.body.code, 'FEATURE_NOT_LICENSED');
    assert.match(check.body.detail, /2105/);
    assert.match(check.body.detail, /video-surveillance/);

    const ok = await t.api('POST', '/v1/modules/2001/profile-check', { features: [2101] }, t.appToken);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const none = await t.api('POST', '/v1/modules/2001/profile-check', { features: [] }, t.appToken);
    assert.equal(none.status, 200, JSON.stringify(none.body));
  } finally {
    await t.close();
  }
});

// Seed: if the register's profile enables an unlicensed item, its sync with the Restaurant Server stops. The node
// stores that: the register is blocked with the missing add-ons, takes no licensed seat, and rejoins in its original
// connection order once its profile is fixed.
test('a register blocked for its profile is stored blocked, takes no seat, and rejoins in its original order when fixed', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 2001, quantity: 1 },
      { moduleId: 2101, quantity: null },
    ],
  });
  try {
    const video = await sync(t, 'reg-video', { features: [2101, 2105] });
    assert.equal(video.status, 200, JSON.stringify(video.body));
    assert.equal(video.body.state, 'blocked');
    assert.deepEqual(video.body.reasons, ['features_unlicensed']);
    assert.deepEqual(video.body.missingFeatures, [2105]);
    assert.match(video.body.detail, /2105 Cash Register: video-surveillance events/);
    // The seat it does not take goes to the clean register connecting after it.
    const clean = await sync(t, 'reg-clean', {});
    assert.equal(clean.body.state, 'active', JSON.stringify(clean.body));
    assert.deepEqual(clean.body.reasons, []);

    const pool = await t.api('GET', '/v1/pools/2001');
    assert.equal(pool.body.summary.blocked, 1);
    assert.equal(pool.body.summary.blockedByProfile, 1);
    assert.equal(pool.body.summary.used, 1);
    const row = (
      pool.body.members as { memberId: string; state: string; blockedReason: string; missingFeatures: number[] }[]
    ).find((m) => m.memberId === 'reg-video');
    assert.deepEqual(
      { state: row?.state, blockedReason: row?.blockedReason, missingFeatures: row?.missingFeatures },
      { state: 'blocked', blockedReason: 'features_unlicensed', missingFeatures: [2105] },
    );
    // A re-sync without features is judged on the stored profile.
    assert.equal((await sync(t, 'reg-video')).body.state, 'blocked');

    // The profile drops the add-on: reg-video takes back its place (first connected), reg-clean is now beyond quantity.
    const fixed = await sync(t, 'reg-video', { features: [2101] });
    assert.equal(fixed.body.state, 'active', JSON.stringify(fixed.body));
    assert.deepEqual(await states(t), { 'reg-video': 'active', 'reg-clean': 'blocked' });

    // A license granting the add-on: a profile enabling it is no longer blocked for it.
    const grant = await t.api('PUT', '/v1/license', {
      license: t.sign({
        entitlements: [
          { moduleId: 2001, quantity: 2 },
          { moduleId: 2101, quantity: null },
          { moduleId: 2105, quantity: null },
        ],
      }),
    });
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    assert.equal((await sync(t, 'reg-clean', { features: [2105] })).body.state, 'active');
    // And one withdrawing it blocks that register again at once, without waiting for its next sync.
    const withdraw = await t.api('PUT', '/v1/license', {
      license: t.sign({
        entitlements: [
          { moduleId: 2001, quantity: 2 },
          { moduleId: 2101, quantity: null },
        ],
      }),
    });
    assert.equal(withdraw.status, 200, JSON.stringify(withdraw.body));
    assert.deepEqual(await states(t), { 'reg-video': 'active', 'reg-clean': 'blocked' });

    const events = await t.api('GET', '/v1/events?type=member.blocked,member.unblocked');
    const feed = (
      events.body.events as { type: string; subject: string; data: { reason: string; modules: number[] } }[]
    ).map((e) => [e.type, e.subject, e.data.reason, e.data.modules]);
    assert.deepEqual(feed, [
      ['member.blocked', 'reg-video', 'features_unlicensed', [2105]],
      ['member.unblocked', 'reg-video', 'features_unlicensed', [2105]],
      ['member.blocked', 'reg-clean', 'beyond_quantity', []],
      ['member.unblocked', 'reg-clean', 'beyond_quantity', []],
      ['member.blocked', 'reg-clean', 'features_unlicensed', [2105]],
    ]);

    // A profile naming a module that is not an add-on of the register is refused and nothing is stored.
    const bad = await sync(t, 'reg-odd', { features: [4001] });
    assert.equal(bad.status, 409, JSON.stringify(bad.body));
    assert.equal(bad.body.code, 'MODULE_KIND_MISMATCH');
    assert.equal((await states(t))['reg-odd'], undefined);
  } finally {
    await t.close();
  }
});
