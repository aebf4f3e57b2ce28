import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Catalog, planAllocation, remainingQuantities, sumAllocations } from '@licensor/core';
import { moduleOf } from './admission-fixtures.js';

const catalog = {
  modules: new Map([
    [2001, moduleOf(2001, 'Cash Register', { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null })],
    [4001, moduleOf(4001, 'Manager', { strategy: 'REJECT_NEW' })],
    [1001, moduleOf(1001, 'License Server', { strategy: 'UNCOUNTED' })],
    [5001, moduleOf(5001, 'Mobile Waiter', { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 900 })],
  ]),
} as unknown as Catalog;
const held = new Map<number, number | null>([
  [2001, 10],
  [4001, 4],
  [1001, null],
]);

describe('allocation planning', () => {
  it('fits within what the node holds, counting the other children', () => {
    const p = planAllocation(catalog, held, new Map([[2001, 6]]), { 2001: 4, 4001: 4 });
    assert.ok(p.ok);
    assert.deepEqual(
      [...p.value],
      [
        [2001, 4],
        [4001, 4],
      ],
    );
  });

  it('refuses the sum above the holding and names the field and the room left', () => {
    const p = planAllocation(catalog, held, new Map([[2001, 6]]), { 2001: 5 });
    assert.equal(p.ok, false);
    if (p.ok) return;
    assert.equal(p.code, 'ALLOCATION_EXCEEDED');
    assert.equal(p.field, 'modules.2001');
    assert.match(p.message, /at most 4/);
  });

  it('allows unlimited modules, drops zeros, refuses unknown, unheld and malformed entries', () => {
    const p = planAllocation(catalog, held, new Map(), { 1001: 1000, 2001: 0 });
    assert.ok(p.ok);
    assert.deepEqual([...p.value], [[1001, 1000]]);
    const code = (r: Record<string, unknown>) => {
      const o = planAllocation(catalog, held, new Map(), r);
      return o.ok ? 'ok' : o.code;
    };
    assert.equal(code({ 9999: 1 }), 'MODULE_UNKNOWN');
    assert.equal(code({ 5001: 1 }), 'MODULE_NOT_LICENSED');
    assert.equal(code({ 2001: -1 }), 'VALIDATION_FAILED');
    assert.equal(code({ 2001: 1.5 }), 'VALIDATION_FAILED');
    assert.equal(code({ abc: 1 }), 'VALIDATION_FAILED');
    assert.equal(code({ '02001': 1 }), 'VALIDATION_FAILED');
  });

  it('allocates shares of a server application (uncounted on the node itself) within the quantity the license gives', () => {
    const dataServer = moduleOf(
      1002,
      'OpenService.Data Server',
      { strategy: 'UNCOUNTED' },
      { role: 'server-application' },
    );
    const withApp = { modules: new Map([...catalog.modules, [1002, dataServer]]) } as unknown as Catalog;
    const holding = new Map<number, number | null>([[1002, 10]]);
    const fits = planAllocation(withApp, holding, new Map([[1002, 9]]), { 1002: 1 });
    assert.ok(fits.ok);
    assert.deepEqual([...fits.value], [[1002, 1]]);
    const over = planAllocation(withApp, holding, new Map([[1002, 9]]), { 1002: 2 });
    assert.equal(over.ok ? 'ok' : over.code, 'ALLOCATION_EXCEEDED');
    // A license that grants the application without a quantity lets every site have a share.
    const unlimited = planAllocation(withApp, new Map([[1002, null]]), new Map([[1002, 500]]), { 1002: 1 });
    assert.ok(unlimited.ok);
  });

  it('sums allocations and leaves the rest, never below zero', () => {
    const out = sumAllocations([
      new Map([[2001, 3]]),
      new Map([
        [2001, 4],
        [4001, 1],
      ]),
    ]);
    assert.deepEqual(
      [...out],
      [
        [2001, 7],
        [4001, 1],
      ],
    );
    const left = remainingQuantities(
      new Map<number, number | null>([
        [2001, 5],
        [4001, 4],
        [1001, null],
      ]),
      out,
    );
    assert.deepEqual(
      [...left],
      [
        [2001, 0],
        [4001, 3],
        [1001, null],
      ],
    );
  });
});
