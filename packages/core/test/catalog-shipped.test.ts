import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { mergeCatalogs, parseCatalog } from '@licensor/core';

const load = (name: string) => {
  const r = parseCatalog(JSON.parse(readFileSync(new URL(`../../../catalogs/${name}`, import.meta.url), 'utf8')), name);
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.value;
};

test('catalogs/openservice.json loads and holds the seed modules', () => {
  const c = load('openservice.json');
  assert.equal(c.name, 'openservice');
  assert.deepEqual(
    [...c.modules.keys()].sort((a, b) => a - b),
    [1001, 1002, 1003, 1004, 2001, 2101, 2102, 2103, 2104, 2105, 2106, 2107, 2108, 3001, 4001, 5001],
  );
  const m = (id: number) => c.modules.get(id)!;
  assert.equal(m(2001).policy.strategy, 'BLOCK_LATEST');
  assert.equal(m(1003).policy.strategy, 'BLOCK_LATEST');
  for (let id = 2101; id <= 2108; id++) {
    assert.equal(m(id).kind, 'feature');
    assert.equal(m(id).extends, 2001);
  }
  assert.deepEqual(m(3001).policy, {
    strategy: 'DEGRADE',
    allowedWhenOverQuota: ['debit-existing-account'],
    refusedWhenOverQuota: ['accept-new-data', 'send-new-data'],
  });
  assert.equal(m(4001).policy.strategy, 'REJECT_NEW');
  assert.deepEqual(m(5001).policy, { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 900 });
  assert.equal(m(5001).heartbeatTtlSeconds, 60);
  for (const def of c.modules.values()) assert.equal(def.developer, 'openservice');
});

test('catalogs/syrve-plugins.json loads, and both merge on one node', () => {
  const s = load('syrve-plugins.json');
  assert.deepEqual(
    [...s.modules.values()].map((m) => [m.id, m.kind, m.policy.strategy, m.developer]),
    [
      [10001, 'plugin-instance', 'REJECT_NEW', 'acme-plugins'],
      [10002, 'plugin-instance', 'UNCOUNTED', 'acme-plugins'],
      [10003, 'connection', 'REJECT_NEW', 'acme-plugins'],
    ],
  );
  const merged = mergeCatalogs([load('openservice.json'), s]);
  assert.ok(merged.ok);
  assert.equal(merged.value.modules.size, 19);
});
