import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflightTable } from '../src/inflight-table.js';

interface Req {
  id: number;
  name: string;
}

test('InflightTable: ids are unique positive integers; take() returns the request once', () => {
  const t = new InflightTable<Req>();
  const a: Req = { id: 0, name: 'a' };
  const b: Req = { id: 0, name: 'b' };
  const ia = t.add(a) as number;
  const ib = t.add(b) as number;
  assert.ok(Number.isSafeInteger(ia) && ia > 0);
  assert.notEqual(ia, ib);
  assert.equal(a.id, ia);
  assert.equal(t.size, 2);
  assert.equal(t.take(ia), a);
  assert.equal(t.take(ia), undefined, 'an answer arriving twice finds nothing');
  assert.equal(a.id, 0);
  assert.equal(t.size, 1);
});

test('InflightTable: a reused slot gets a new id, so a late answer to the old request is ignored', () => {
  const t = new InflightTable<Req>();
  const old: Req = { id: 0, name: 'old' };
  const oldId = t.add(old) as number;
  t.take(oldId); // e.g. the request timed out
  const next: Req = { id: 0, name: 'next' };
  const nextId = t.add(next) as number;
  assert.notEqual(nextId, oldId);
  assert.equal(t.take(oldId), undefined, 'the late answer does not resolve the request now in the slot');
  assert.equal(t.take(nextId), next);
});

test('InflightTable: values() lists requests in the order they were sent; clear() makes every id stale', () => {
  const t = new InflightTable<Req>();
  const reqs = Array.from({ length: 10 }, (_, i) => ({ id: 0, name: `r${i}` }));
  const ids = reqs.map((r) => t.add(r) as number);
  t.take(ids[3] as number);
  t.take(ids[1] as number);
  const again = { id: 0, name: 'again' };
  t.add(again); // reuses a freed slot, but was sent last
  assert.deepEqual(
    t.values().map((r) => r.name),
    ['r0', 'r2', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'again'],
  );
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.take(ids[0] as number), undefined);
  assert.equal(reqs[0]?.id, 0);
});
