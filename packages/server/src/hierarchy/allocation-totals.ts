import { EndQueue } from './end-queue.js';

/** What one child (or a forgotten one's documents) counts for now, and when that may next shrink (a document ends). */
export interface Share {
  modules: Map<number, number>;
  /** Epoch ms at which the share may shrink; Infinity when nothing in it ends. */
  until: number;
}

/**
 * The sum, per module, of what every child holds, kept up to date as shares change instead of recomputed over every
 * child: a child's share is replaced when its allocation or documents change, and recomputed when a document that
 * raised it ends (an end queue holds those times). Rebuilt once, O(children), at start or after a shared-store reload.
 */
export class AllocationTotals {
  private readonly shares = new Map<string, Map<number, number>>();
  private readonly sum = new Map<number, number>();
  private readonly ends = new EndQueue();
  /** Per id, the end its queue entry is for: older entries left in the queue are skipped. */
  private readonly due = new Map<string, number>();

  /** `shareOf` says what an id counts for at a time: a child's share, a forgotten child's documents, or nothing. */
  constructor(private readonly shareOf: (id: string, now: number) => Share) {}

  /** Recomputes one id's share after its allocation or documents changed (or it was forgotten). */
  update(id: string, now: number): void {
    const share = this.shareOf(id, now);
    this.add(this.shares.get(id), -1);
    this.add(share.modules, 1);
    if (share.modules.size) this.shares.set(id, share.modules);
    else this.shares.delete(id);
    if (share.until === Number.POSITIVE_INFINITY) this.due.delete(id);
    else if (this.due.get(id) !== share.until) {
      this.due.set(id, share.until);
      this.ends.push(share.until, id);
    }
  }

  /** The totals at `now`, once every share whose documents ended by then has been recomputed. Do not keep the map. */
  at(now: number): ReadonlyMap<number, number> {
    for (let e = this.ends.popDue(now); e; e = this.ends.popDue(now)) {
      if (this.due.get(e.id) !== e.time) continue;
      this.due.delete(e.id);
      this.update(e.id, now);
    }
    return this.sum;
  }

  /** What one id counts for now (its share as last computed, after `at(now)`). */
  shareAt(id: string, now: number): ReadonlyMap<number, number> {
    this.at(now);
    return this.shares.get(id) ?? new Map();
  }

  /** Starts over from these ids (children and forgotten children with documents still valid). */
  rebuild(ids: Iterable<string>, now: number): void {
    this.shares.clear();
    this.sum.clear();
    this.ends.clear();
    this.due.clear();
    for (const id of ids) this.update(id, now);
  }

  private add(modules: Map<number, number> | undefined, sign: 1 | -1): void {
    if (!modules) return;
    for (const [k, q] of modules) {
      const v = (this.sum.get(k) ?? 0) + sign * q;
      if (v === 0) this.sum.delete(k);
      else this.sum.set(k, v);
    }
  }
}
