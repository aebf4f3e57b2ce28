/** Room for this many requests in flight at once; ids carry the slot in their low bits. */
const SLOTS = 2 ** 20;
/** Ids repeat after 2^32 requests: long after any late answer to an old one could still arrive. */
const SEQUENCES = 2 ** 32;

/** What the table stores: it writes the request id into `id` (0 while not in the table). */
export interface InflightEntry {
  id: number;
}

/**
 * Requests sent and not yet answered, by request id.
 *
 * Why not a Map keyed by id: every request adds a new key and deletes it again, so the Map keeps rebuilding its
 * table, and V8 links each discarded table to its successor. Once one such table is promoted to the old generation
 * it keeps every later table, and every request in them, alive through minor collections: on the benchmark that
 * was ~2 MB promoted per scavenge and 5–10 ms pauses on the client. Fixed slots reused through a free list allocate
 * nothing per request. The id is `sequence × 2^20 + slot`, so a late answer to a request that already timed out
 * cannot be mistaken for the request now in its slot.
 */
export class InflightTable<T extends InflightEntry> {
  private readonly slots: (T | undefined)[] = [];
  private readonly free: number[] = [];
  private sequence = 0;
  private count = 0;

  /** Requests in flight. */
  get size(): number {
    return this.count;
  }

  /** Adds a request and returns the id it is sent with; null when 2^20 requests are already in flight. */
  add(entry: T): number | null {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.slots.length;
    if (slot >= SLOTS) return null;
    this.sequence = (this.sequence + 1) % SEQUENCES;
    const id = this.sequence * SLOTS + slot + 1;
    this.slots[slot] = entry;
    entry.id = id;
    this.count++;
    return id;
  }

  /** Removes and returns the request answered by `id`, or undefined for an unknown or stale id. */
  take(id: number): T | undefined {
    const slot = (id - 1) % SLOTS;
    const entry = this.slots[slot];
    if (entry === undefined || entry.id !== id) return undefined;
    this.slots[slot] = undefined;
    this.free.push(slot);
    entry.id = 0;
    this.count--;
    return entry;
  }

  /** Every request in flight, in the order they were sent. */
  values(): T[] {
    const out = this.slots.filter((e): e is T => e !== undefined);
    // Sequence order is send order (up to the wrap after 2^32 requests, which is only a matter of requeue order).
    return out.sort((a, b) => a.id - b.id);
  }

  /** Forgets every request (their ids become stale). */
  clear(): void {
    for (const e of this.slots) if (e) e.id = 0;
    this.slots.length = 0;
    this.free.length = 0;
    this.count = 0;
  }
}
