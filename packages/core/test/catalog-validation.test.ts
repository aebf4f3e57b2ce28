import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Catalog, mergeCatalogs, parseCatalog } from '@licensor/core';

const app = (id: number, extra: object = {}) => ({
  id,
  name: `App ${id}`,
  kind: 'application',
  policy: { strategy: 'REJECT_NEW' },
  ...extra,
});
const doc = (modules: unknown[], extra: object = {}) => ({ catalog: 'test', developer: 'dev', modules, ...extra });

function problemsOf(json: unknown): string[] {
  const r = parseCatalog(json, 'test.json');
  assert.equal(r.ok, false);
  if (r.ok) return [];
  assert.equal(r.code, 'VALIDATION_FAILED');
  const problems = r.data?.problems as string[];
  assert.ok(Array.isArray(problems));
  for (const p of problems) assert.ok(r.message.includes(p), `message lists "${p}"`);
  assert.match(r.message, /^catalog test\.json has \d+ problems?:/);
  return problems;
}

test('a valid catalog gets defaults: TTL 60, developer from the catalog, policy parameters', () => {
  const r = parseCatalog(
    doc([
      app(1),
      { id: 2, name: 'Feat', kind: 'feature', extends: 1, policy: { strategy: 'UNCOUNTED' } },
      { id: 3, name: 'Regs', kind: 'application', policy: { strategy: 'BLOCK_LATEST' }, developer: 'other' },
      { id: 4, name: 'Proc', kind: 'application', policy: { strategy: 'DEGRADE' } },
      {
        id: 5,
        name: 'Waiter',
        kind: 'application',
        policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 300 },
        heartbeatTtlSeconds: 30,
      },
    ]),
  );
  assert.ok(r.ok, r.ok ? '' : r.message);
  const m = r.value.modules;
  assert.equal(r.value.name, 'test');
  assert.equal(m.get(1)?.heartbeatTtlSeconds, 60);
  assert.equal(m.get(1)?.developer, 'dev');
  assert.equal(m.get(3)?.developer, 'other');
  assert.equal(m.get(2)?.extends, 1);
  assert.deepEqual(m.get(3)?.policy, { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null });
  assert.deepEqual(m.get(4)?.policy, {
    strategy: 'DEGRADE',
    allowedWhenOverQuota: ['debit-existing-account'],
    refusedWhenOverQuota: ['accept-new-data', 'send-new-data'],
  });
  assert.deepEqual(m.get(5)?.policy, { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 300 });
  assert.equal(m.get(5)?.heartbeatTtlSeconds, 30);
});

test('every problem is named, not only the first', () => {
  const problems = problemsOf(
    doc([
      app(1001),
      app(2001),
      { id: 3, name: 'X', kind: 'widget', policy: { strategy: 'REJECT_NEW' } },
      app(2001),
      { id: 5, name: 'F', kind: 'feature', policy: { strategy: 'REJECT_NEW' } },
      { id: 6, name: 'W', kind: 'application', policy: { strategy: 'EVICT_INACTIVE' } },
      app(7, { heartbeatTtlSeconds: 0 }),
    ]),
  );
  assert.deepEqual(problems, [
    'modules[2].kind "widget" is unknown (expected application, feature, plugin-instance or connection)',
    'modules[3].id 2001 is a duplicate of modules[1]',
    'modules[4].policy.strategy REJECT_NEW does not fit kind feature (a feature may use UNCOUNTED)',
    'modules[4] is a feature without "extends" (the ID of the application it extends)',
    'modules[5].policy.idleThresholdSeconds is missing: EVICT_INACTIVE needs the idle time in seconds after which a holder may be evicted (e.g. 900)',
    'modules[6].heartbeatTtlSeconds must be a positive integer (seconds), got 0',
  ]);
});

test('policy fit per kind', () => {
  const fits: [string, string, boolean][] = [
    ['feature', 'UNCOUNTED', true],
    ['feature', 'BLOCK_LATEST', false],
    ['connection', 'REJECT_NEW', true],
    ['connection', 'EVICT_INACTIVE', true],
    ['connection', 'UNCOUNTED', false],
    ['connection', 'DEGRADE', false],
    ['plugin-instance', 'REJECT_NEW', true],
    ['plugin-instance', 'EVICT_INACTIVE', true],
    ['plugin-instance', 'UNCOUNTED', true],
    ['plugin-instance', 'BLOCK_LATEST', false],
    ['application', 'DEGRADE', true],
    ['application', 'BLOCK_LATEST', true],
    ['application', 'UNCOUNTED', true],
  ];
  for (const [kind, strategy, fit] of fits) {
    const policy = strategy === 'EVICT_INACTIVE' ? { strategy, idleThresholdSeconds: 60 } : { strategy };
    const r = parseCatalog(
      doc([app(1), { id: 2, name: 'M', kind, policy, ...(kind === 'feature' ? { extends: 1 } : {}) }]),
    );
    assert.equal(r.ok, fit, `${kind} + ${strategy}`);
    if (!r.ok) assert.match(r.message, new RegExp(`strategy ${strategy} does not fit kind ${kind}`));
  }
});

test('features must extend an application of the catalog', () => {
  const problems = problemsOf(
    doc([
      app(1),
      { id: 2, name: 'Conn', kind: 'connection', policy: { strategy: 'REJECT_NEW' } },
      { id: 3, name: 'F1', kind: 'feature', extends: 2, policy: { strategy: 'UNCOUNTED' } },
      { id: 4, name: 'F2', kind: 'feature', extends: 99, policy: { strategy: 'UNCOUNTED' } },
      { id: 5, name: 'F3', kind: 'feature', extends: 'one', policy: { strategy: 'UNCOUNTED' } },
      app(6, { extends: 1 }),
    ]),
  );
  assert.deepEqual(problems, [
    'modules[2].extends 2 (modules[1]), which is a "connection" module, not an application',
    'modules[3].extends 99, which is not a module of this catalog',
    'modules[4].extends must be a module ID, got "one"',
    'modules[5].extends is set, but only features extend an application (this module is an application)',
  ]);
});

test('malformed fields, unknown fields and policy parameters that do not apply', () => {
  const problems = problemsOf({
    catalog: '',
    modules: [
      { id: -1, name: '', kind: 'application', policy: { strategy: 'REJECT_NEW', idleThresholdSeconds: 5 }, extend: 1 },
      { id: 2.5, name: 'x', kind: 'application', policy: 'REJECT_NEW' },
      { id: 3, name: 'x', kind: 'application', policy: { strategy: 'FIRST_COME' } },
      { id: 4, name: 'x', kind: 'application', policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: '1h' } },
      {
        id: 5,
        name: 'x',
        kind: 'application',
        policy: { strategy: 'DEGRADE', allowedWhenOverQuota: ['a'], refusedWhenOverQuota: ['a'] },
      },
      {
        id: 6,
        name: 'x',
        kind: 'application',
        policy: { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 1.5 },
        heartbeatTtlSeconds: '60',
      },
      'nope',
    ],
  });
  assert.deepEqual(problems, [
    'catalog (the catalog\'s name) must be a non-empty string, got ""',
    'developer must be a non-empty string, got missing',
    'modules[0] has unknown field "extend" (expected id, name, kind, policy, heartbeatTtlSeconds, extends, developer, description, role)',
    'modules[0].id must be a positive integer, got -1',
    'modules[0].name must be a non-empty string, got ""',
    'modules[0].policy.idleThresholdSeconds does not apply to REJECT_NEW',
    'modules[1].id must be a positive integer, got 2.5',
    'modules[1].policy must be an object like { "strategy": "REJECT_NEW" }, got "REJECT_NEW"',
    'modules[2].policy.strategy "FIRST_COME" is unknown (expected REJECT_NEW, EVICT_INACTIVE, BLOCK_LATEST, DEGRADE or UNCOUNTED)',
    'modules[3].policy.memberInactiveAfterSeconds must be a positive integer (seconds) or null, got "1h"',
    'modules[4].policy: operation "a" is both allowed and refused when over quota',
    'modules[5].policy.idleThresholdSeconds must be a positive integer (seconds), got 1.5',
    'modules[5].heartbeatTtlSeconds must be a positive integer (seconds), got "60"',
    'modules[6] is not an object',
  ]);
});

test('a document that is not a catalog', () => {
  assert.deepEqual(problemsOf([]), ['the document is not a JSON object']);
  assert.deepEqual(problemsOf({ catalog: 'c', developer: 'd', modules: {} }), ['modules must be an array, got {}']);
});

test('mergeCatalogs: IDs unique across catalogs', () => {
  const a = parseCatalog(doc([app(1), app(2)], { catalog: 'a' }));
  const b = parseCatalog(doc([app(3)], { catalog: 'b' }));
  const c = parseCatalog(doc([app(2)], { catalog: 'c' }));
  assert.ok(a.ok && b.ok && c.ok);
  const merged = mergeCatalogs([a.value, b.value]);
  assert.ok(merged.ok);
  assert.equal(merged.value.name, 'a+b');
  assert.deepEqual([...merged.value.modules.keys()].sort(), [1, 2, 3]);
  const clash = mergeCatalogs([a.value, b.value, c.value] as Catalog[]);
  assert.equal(clash.ok, false);
  if (!clash.ok) {
    assert.equal(clash.code, 'VALIDATION_FAILED');
    assert.deepEqual(clash.data?.problems, ['module 2 (App 2) of catalog c is a duplicate of module 2 of catalog a']);
  }
});

test('a module role: server applications are UNCOUNTED applications, the child-node count is BLOCK_LATEST', () => {
  const r = parseCatalog(
    doc([
      { id: 1, name: 'Server', kind: 'application', role: 'server-application', policy: { strategy: 'UNCOUNTED' } },
      { id: 2, name: 'Children', kind: 'application', role: 'child-nodes', policy: { strategy: 'BLOCK_LATEST' } },
    ]),
  );
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.equal(r.value.modules.get(1)?.role, 'server-application');
  assert.equal(r.value.modules.get(2)?.role, 'child-nodes');
  const problems = problemsOf(
    doc([
      { id: 1, name: 'Server', kind: 'application', role: 'server-application', policy: { strategy: 'REJECT_NEW' } },
      { id: 2, name: 'Children', kind: 'application', role: 'child-nodes', policy: { strategy: 'UNCOUNTED' } },
      { id: 3, name: 'X', kind: 'application', role: 'boss', policy: { strategy: 'UNCOUNTED' } },
    ]),
  );
  assert.equal(problems.length, 3);
  assert.match(problems[2]!, /role "boss" is unknown/);
});
