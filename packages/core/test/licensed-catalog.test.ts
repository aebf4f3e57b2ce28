import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Catalog, catalogFromTerms, parseCatalog, termsOf, tightenCatalog } from '@licensor/core';

const catalog = (modules: unknown[]): Catalog => {
  const c = parseCatalog({ catalog: 'local', developer: 'dev', modules });
  if (!c.ok) throw new Error(c.message);
  return c.value;
};

const signed = catalog([
  {
    id: 1,
    name: 'Waiters',
    kind: 'application',
    policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 900 },
    heartbeatTtlSeconds: 60,
  },
  {
    id: 2,
    name: 'Processing',
    kind: 'application',
    policy: { strategy: 'DEGRADE', allowedWhenOverQuota: ['debit'], refusedWhenOverQuota: ['accept', 'send'] },
  },
  {
    id: 3,
    name: 'Registers',
    kind: 'application',
    policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null },
  },
  { id: 4, name: 'Manager', kind: 'application', policy: { strategy: 'REJECT_NEW' } },
  {
    id: 5,
    name: 'Kiosks',
    kind: 'application',
    policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 3600 },
  },
]);

test('signed terms round-trip through termsOf and catalogFromTerms', () => {
  const back = catalogFromTerms([...signed.modules.values()].map(termsOf), 'lic_1');
  assert.ok(back.ok);
  assert.deepEqual([...back.value.modules.values()], [...signed.modules.values()]);
});

test('signed terms that do not parse are MALFORMED, naming the problem', () => {
  const bad = catalogFromTerms(
    [
      {
        id: 1,
        name: 'X',
        kind: 'application',
        policy: { strategy: 'EVICT_INACTIVE' },
        heartbeatTtlSeconds: 60,
        developer: 'd',
      },
    ],
    'lic_2',
  );
  assert.equal(bad.ok, false);
  assert.equal(bad.ok ? '' : bad.code, 'MALFORMED');
  assert.match(bad.ok ? '' : bad.message, /idleThresholdSeconds is missing/);
});

test('a local catalog may tighten: shorter thresholds and TTLs, members kept longer, more operations refused over quota, a rename', () => {
  const local = catalog([
    {
      id: 1,
      name: 'Tablets',
      kind: 'application',
      policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 300 },
      heartbeatTtlSeconds: 30,
    },
    {
      id: 2,
      name: 'Processing',
      kind: 'application',
      policy: { strategy: 'DEGRADE', allowedWhenOverQuota: [], refusedWhenOverQuota: ['debit'] },
    },
    {
      id: 3,
      name: 'Registers',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null },
    },
    {
      id: 5,
      name: 'Kiosks',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 86400 },
    },
  ]);
  const { catalog: c, notes } = tightenCatalog(signed, local);
  assert.deepEqual(notes, []);
  assert.equal(c.modules.get(1)?.name, 'Tablets');
  assert.deepEqual(c.modules.get(1)?.policy, { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 300 });
  assert.equal(c.modules.get(1)?.heartbeatTtlSeconds, 30);
  assert.deepEqual(c.modules.get(2)?.policy, {
    strategy: 'DEGRADE',
    allowedWhenOverQuota: [],
    refusedWhenOverQuota: ['accept', 'send', 'debit'],
  });
  assert.deepEqual(c.modules.get(3)?.policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null });
  assert.deepEqual(c.modules.get(5)?.policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 86400 });
});

test('a local catalog cannot loosen: longer thresholds, allowed operations, another strategy and roles are ignored', () => {
  const local = catalog([
    {
      id: 1,
      name: 'Waiters',
      kind: 'application',
      policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 86400 },
      heartbeatTtlSeconds: 3600,
    },
    {
      id: 2,
      name: 'Processing',
      kind: 'application',
      policy: { strategy: 'DEGRADE', allowedWhenOverQuota: ['debit', 'accept', 'send'], refusedWhenOverQuota: [] },
    },
    {
      id: 3,
      name: 'Registers',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 1 },
    },
    { id: 4, name: 'Manager', kind: 'application', policy: { strategy: 'UNCOUNTED' } },
    {
      id: 5,
      name: 'Kiosks',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 60 },
    },
    { id: 9, name: 'Not licensed', kind: 'application', role: 'server-application', policy: { strategy: 'UNCOUNTED' } },
  ]);
  const { catalog: c, notes } = tightenCatalog(signed, local);
  assert.deepEqual(c.modules.get(1)?.policy, { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 900 });
  assert.equal(c.modules.get(1)?.heartbeatTtlSeconds, 60);
  assert.deepEqual(c.modules.get(2)?.policy, {
    strategy: 'DEGRADE',
    allowedWhenOverQuota: ['debit'],
    refusedWhenOverQuota: ['accept', 'send'],
  });
  assert.deepEqual(c.modules.get(4)?.policy, { strategy: 'REJECT_NEW' });
  // Members dropped sooner free their places for blocked ones: no inactivity limit is added, none is shortened.
  assert.deepEqual(c.modules.get(3)?.policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null });
  assert.deepEqual(c.modules.get(5)?.policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: 3600 });
  assert.match(notes.join('\n'), /module 4: the local catalog's UNCOUNTED is ignored; the license says REJECT_NEW/);
  assert.equal(c.modules.get(9)?.role, undefined, 'a module only the local catalog knows has no role');
});
