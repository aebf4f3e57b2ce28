import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChildNode, MemberRow, PoolSummary, UpstreamAnswer } from '../packages/web/src/api/types.js';
import { childWords, memberWords, poolWords, upstreamWords } from '../packages/web/src/components/state-words.js';

// Every state a pool, a member or a site can be in has its own words on the dashboard: no two states share a
// sentence, none falls back to a raw state name, and none carries markdown backticks. The browser test shows the
// main ones on real pages; this one walks all of them.
const pool = (over: Partial<PoolSummary>): PoolSummary => ({
  moduleId: 1,
  name: 'P',
  kind: 'application',
  strategy: 'REJECT_NEW',
  quantity: 5,
  used: 0,
  free: 5,
  holders: 0,
  members: 0,
  blocked: 0,
  blockedByProfile: 0,
  quotaState: null,
  licensed: true,
  ...over,
});
const degrade = {
  strategy: 'DEGRADE',
  allowedWhenOverQuota: ['debit-existing-account'],
  refusedWhenOverQuota: ['accept-new-data', 'send-new-data'],
};

test('every pool state has its own words', () => {
  const states: [string, ReturnType<typeof poolWords>][] = [
    ['not licensed', poolWords(pool({ licensed: false }))],
    ['uncounted', poolWords(pool({ strategy: 'UNCOUNTED', quantity: null }))],
    ['free', poolWords(pool({ used: 2 }))],
    ['unlimited', poolWords(pool({ quantity: null, used: 2 }))],
    ['none granted', poolWords(pool({ quantity: 0 }))],
    ['full', poolWords(pool({ used: 5 }))],
    [
      'full, evicting',
      poolWords(pool({ strategy: 'EVICT_INACTIVE', used: 5 }), {
        strategy: 'EVICT_INACTIVE',
        idleThresholdSeconds: 900,
      }),
    ],
    ['quantity reduced', poolWords(pool({ used: 7 }))],
    ['members free', poolWords(pool({ strategy: 'BLOCK_LATEST', used: 1, members: 1 }))],
    ['members full', poolWords(pool({ strategy: 'BLOCK_LATEST', used: 5, members: 5 }))],
    ['members none granted', poolWords(pool({ strategy: 'BLOCK_LATEST', quantity: 0 }))],
    ['members beyond', poolWords(pool({ strategy: 'BLOCK_LATEST', used: 5, members: 7, blocked: 2 }))],
    [
      'members for add-ons',
      poolWords(pool({ strategy: 'BLOCK_LATEST', used: 1, members: 2, blocked: 1, blockedByProfile: 1 })),
    ],
    ['quota unreported', poolWords(pool({ strategy: 'DEGRADE', quantity: 100 }), degrade, null)],
    [
      'quota ok',
      poolWords(pool({ strategy: 'DEGRADE', quantity: 100, used: 80, quotaState: 'ok' }), degrade, { count: 80 }),
    ],
    [
      'over quota',
      poolWords(pool({ strategy: 'DEGRADE', quantity: 100, used: 120, quotaState: 'over_quota' }), degrade, {
        count: 120,
      }),
    ],
  ];
  assertDistinct(states);
  const over = states.find(([n]) => n === 'over quota')?.[1];
  assert.equal(
    over?.text,
    'Over quota: 120 counted, 100 licensed. Refused: accepting new data and sending new data; still allowed: debits on existing accounts. Back to normal once the count falls to 100 or the license grows.',
  );
  assert.doesNotMatch(over?.text ?? '', /reduced/);
  assert.equal(states.find(([n]) => n === 'members for add-ons')?.[1].tone, 'bad');
});

test('every member state has its own words, naming the add-ons a blocked one lacks', () => {
  const m = (over: Partial<MemberRow>): MemberRow => ({
    memberId: 'r',
    position: 1,
    state: 'active',
    blockedReason: null,
    firstConnectedAt: 0,
    lastSeenAt: 0,
    features: [],
    missingFeatures: [],
    ...over,
  });
  const names = new Map([[2105, 'Cash Register: video-surveillance events']]);
  const states: [string, ReturnType<typeof memberWords>][] = [
    ['active', memberWords(m({}), 2, names)],
    ['beyond', memberWords(m({ state: 'blocked', blockedReason: 'beyond_quantity' }), 2, names)],
    [
      'add-ons',
      memberWords(
        m({ state: 'blocked', blockedReason: 'features_unlicensed', features: [2105], missingFeatures: [2105] }),
        2,
        names,
      ),
    ],
  ];
  assertDistinct(states);
  assert.equal(states[2]?.[1].short, 'Add-ons not licensed: Cash Register: video-surveillance events (2105)');
});

test('every site state has its own words, on the parent and on the site', () => {
  const child = (over: Partial<ChildNode>): ChildNode => ({
    id: 'nod_1',
    name: 'Harbour',
    hardwareKey: 'a'.repeat(64),
    countedAs: 1003,
    state: 'active',
    message: 'allocation seq 1',
    licenseState: 'valid',
    registeredAt: '',
    lastSyncAt: '',
    online: true,
    allocation: null,
    usage: [],
    children: [],
    ...over,
  });
  const up = (state: UpstreamAnswer['state']): UpstreamAnswer => ({
    url: 'http://p',
    nodeId: null,
    parentNodeId: null,
    state,
    message: 'm',
    lastSyncAt: null,
    lastAttemptAt: null,
    lastError: null,
    syncIntervalMs: 1000,
    allocation: null,
  });
  assertDistinct([
    ['served', childWords(child({}))],
    ['served, offline', childWords(child({ online: false }))],
    ['blocked', childWords(child({ state: 'blocked', message: 'beyond' }))],
    ['unlicensed', childWords(child({ state: 'unlicensed', message: 'nothing to allocate' }))],
  ]);
  assertDistinct(
    (['connecting', 'active', 'blocked', 'unlicensed', 'unreachable', 'refused'] as const).map(
      (s) => [s, upstreamWords(up(s))] as [string, ReturnType<typeof upstreamWords>],
    ),
  );
  assert.match(upstreamWords(up('blocked')).text, /^Blocked by the parent: /);
});

function assertDistinct(states: [string, { text: string }][]): void {
  const seen = new Map<string, string>();
  for (const [name, w] of states) {
    assert.ok(w.text.length > 10, `${name}: words, not a state name`);
    assert.doesNotMatch(w.text, /`/, `${name}: no raw backticks`);
    const other = seen.get(w.text);
    assert.equal(other, undefined, `${name} reads like ${other}: "${w.text}"`);
    seen.set(w.text, name);
  }
}
