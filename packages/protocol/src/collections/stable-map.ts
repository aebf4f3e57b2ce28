/** Vacant entries tolerated before a rebuild: at least this many, and at least as many as live ones. */
const MIN_VACANT_BEFORE_REBUILD = 64;

/**
 * A Map for keys that come and go all the time (a device's lease, taken and released thousands of times a second)
 * that does not churn its hash table.
 *
 * Why: a Map whose keys are deleted and added again keeps rebuilding its table, and V8 links every discarded table to
 * its successor. When one discarded table has been promoted to the old generation, it holds all later tables, and
 * every value in them, alive through minor collections until the next full one: measured on the slot benchmark as
 * megabytes promoted per scavenge and multi-millisecond pauses. Here a deleted key keeps its entry, marked vacant,
 * and comes back to the same entry when it is set again; the table is rebuilt only when vacant entries outnumber
 * live ones (keys that never return, such as one-off holder ids), so rebuilds are rare and amortised.
 *
 * Values may not be `undefined` (it marks a vacant entry). Iteration order is first insertion of the key. Finish or
 * break out of every iteration (for…of does): an iterator left half-read holds off rebuilds. `clear()` during an
 * iteration leaves that iteration on the old entries.
 */
export class StableMap<K, V> implements Iterable<[K, V]> {
  private map = new Map<K, V | undefined>();
  private live = 0;
  /** Iterations in progress: the table is not rebuilt under them (deleting while iterating stays safe). */
  private iterating = 0;

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  /** The value of `key`, if live. */
  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** True when `key` is live. */
  has(key: K): boolean {
    return this.map.get(key) !== undefined;
  }

  /** Sets `key` (its entry is reused when the key was live or vacant). */
  set(key: K, value: V): this {
    if (value === undefined) throw new TypeError('StableMap: values may not be undefined');
    const previous = this.map.get(key);
    this.map.set(key, value);
    if (previous === undefined) this.live++;
    return this;
  }

  /** Removes `key`; true when it was live. */
  delete(key: K): boolean {
    if (this.map.get(key) === undefined) return false;
    this.map.set(key, undefined);
    this.live--;
    const vacant = this.map.size - this.live;
    if (vacant > MIN_VACANT_BEFORE_REBUILD && vacant > this.live && this.iterating === 0) this.rebuild();
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.map = new Map();
    this.live = 0;
  }

  /** Live values, in key insertion order. */
  *values(): IterableIterator<V> {
    this.iterating++;
    try {
      for (const v of this.map.values()) if (v !== undefined) yield v;
    } finally {
      this.iterating--;
    }
  }

  /** Live keys, in insertion order. */
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  /** Live entries, in key insertion order. */
  *entries(): IterableIterator<[K, V]> {
    this.iterating++;
    try {
      for (const [k, v] of this.map) if (v !== undefined) yield [k, v];
    } finally {
      this.iterating--;
    }
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** Calls `fn` for every live entry (Map-compatible argument order). */
  forEach(fn: (value: V, key: K) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }

  private rebuild(): void {
    const next = new Map<K, V | undefined>();
    for (const [k, v] of this.map) if (v !== undefined) next.set(k, v);
    this.map = next;
  }
}
