import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StableMap } from '@licensor/protocol';

test('StableMap behaves as a Map for get, has, set, delete, size and iteration', () => {
  const m = new StableMap<string, number>();
  m.set('a', 1).set('b', 2).set('c', 3);
  assert.equal(m.size, 3);
  assert.equal(m.delete('b'), true);
  assert.equal(m.delete('b'), false, 'deleting twice reports nothing removed');
  assert.equal(m.has('b'), false);
  assert.equal(m.get('b'), undefined);
  assert.equal(m.size, 2);
  assert.deepEqual(
    [...m],
    [
      ['a', 1],
      ['c', 3],
    ],
  );
  assert.deepEqual([...m.keys()], ['a', 'c']);
  assert.deepEqual([...m.values()], [1, 3]);
  m.set('b', 20);
  assert.equal(m.size, 3);
  assert.deepEqual([...m.keys()], ['a', 'b', 'c'], 'a returning key keeps its first place');
  m.set('a', 10);
  assert.equal(m.size, 3, 'overwriting a live key does not count twice');
  const seen: string[] = [];
  m.forEach((v, k) => {
    seen.push(`${k}=${v}`);
  });
  assert.deepEqual(seen, ['a=10', 'b=20', 'c=3']);
  m.clear();
  assert.equal(m.size, 0);
  assert.deepEqual([...m], []);
});

test('StableMap refuses undefined values (undefined marks a vacant entry)', () => {
  assert.throws(() => new StableMap<string, number | undefined>().set('a', undefined), TypeError);
});

test('StableMap: keys that never return are dropped once vacant entries outnumber live ones', () => {
  const m = new StableMap<number, number>();
  for (let i = 0; i < 10_000; i++) {
    m.set(i, i);
    if (i >= 10) m.delete(i - 10);
  }
  assert.equal(m.size, 10);
  assert.deepEqual([...m.keys()], [9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999]);
});

test('StableMap: deleting while iterating visits every live entry once and stays consistent', () => {
  const m = new StableMap<number, number>();
  for (let i = 0; i < 500; i++) m.set(i, i);
  const visited: number[] = [];
  for (const [k] of m) {
    visited.push(k);
    m.delete(k); // would rebuild the table (vacant > live) if not for the iteration in progress
  }
  assert.equal(visited.length, 500);
  assert.equal(m.size, 0);
  m.set(7, 7);
  assert.deepEqual([...m], [[7, 7]]);
});

test('StableMap agrees with Map over a random sequence of operations', () => {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const ref = new Map<number, number>();
  const m = new StableMap<number, number>();
  for (let i = 0; i < 20_000; i++) {
    const k = rand(300);
    if (rand(3) === 0) assert.equal(m.delete(k), ref.delete(k));
    else {
      m.set(k, i);
      ref.set(k, i);
    }
    assert.equal(m.size, ref.size);
    assert.equal(m.get(k), ref.get(k));
  }
  const byKey = (a: [number, number], b: [number, number]) => a[0] - b[0];
  assert.deepEqual([...m].sort(byKey), [...ref].sort(byKey));
});
