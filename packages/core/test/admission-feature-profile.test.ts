import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Catalog, checkFeatureProfile, type ModuleDefinition } from '@licensor/core';
import { moduleOf } from './admission-fixtures.js';

const feature = (id: number, name: string, ext = 4002): ModuleDefinition =>
  moduleOf(id, name, { strategy: 'UNCOUNTED' }, { kind: 'feature', extends: ext });
const modules: ModuleDefinition[] = [
  moduleOf(4002, 'OpenService.Cash Register', { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null }),
  moduleOf(4001, 'OpenService.Manager', { strategy: 'REJECT_NEW' }),
  feature(2101, 'Client discounts'),
  feature(2103, 'Client bonus accounts'),
  feature(2108, 'Table reservations'),
  feature(2201, 'Manager reports', 4001),
];
const catalog: Catalog = { name: 'openservice', modules: new Map(modules.map((m) => [m.id, m])) };
const licensedSet = new Set([4002, 2101]);
const licensed = (id: number) => licensedSet.has(id);

describe('checkFeatureProfile', () => {
  test('base functionality (empty profile) is fine', () => {
    assert.deepEqual(checkFeatureProfile(catalog, licensed, 4002, []), { ok: true, value: { features: [] } });
  });

  test('licensed features pass; duplicates collapse', () => {
    assert.deepEqual(checkFeatureProfile(catalog, licensed, 4002, [2101, 2101]), {
      ok: true,
      value: { features: [2101] },
    });
  });

  test('lists every unlicensed feature with its name', () => {
    const r = checkFeatureProfile(catalog, licensed, 4002, [2101, 2103, 2108]);
    assert.ok(!r.ok);
    assert.equal(r.code, 'FEATURE_NOT_LICENSED');
    assert.equal(r.message, 'profile enables unlicensed features: 2103 Client bonus accounts, 2108 Table reservations');
    assert.deepEqual(r.data?.missing, [2103, 2108]);
  });

  test('unknown ids are MODULE_UNKNOWN', () => {
    const r = checkFeatureProfile(catalog, licensed, 4002, [2101, 9999]);
    assert.ok(!r.ok);
    assert.equal(r.code, 'MODULE_UNKNOWN');
    assert.deepEqual(r.data?.unknown, [9999]);
    const app = checkFeatureProfile(catalog, licensed, 7777, []);
    assert.ok(!app.ok);
    assert.equal(app.code, 'MODULE_UNKNOWN');
  });

  test("non-features and another application's features are MODULE_KIND_MISMATCH", () => {
    const notFeature = checkFeatureProfile(catalog, licensed, 4002, [4001]);
    assert.ok(!notFeature.ok);
    assert.equal(notFeature.code, 'MODULE_KIND_MISMATCH');
    const otherApp = checkFeatureProfile(catalog, () => true, 4002, [2201]);
    assert.ok(!otherApp.ok);
    assert.equal(otherApp.code, 'MODULE_KIND_MISMATCH');
    assert.match(otherApp.message, /2201 Manager reports/);
    const appIsFeature = checkFeatureProfile(catalog, licensed, 2101, []);
    assert.ok(!appIsFeature.ok);
    assert.equal(appIsFeature.code, 'MODULE_KIND_MISMATCH');
  });
});
