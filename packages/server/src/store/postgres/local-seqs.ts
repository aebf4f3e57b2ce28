import type pg from 'pg';
import { transaction } from './postgres-transaction.js';

/**
 * What this process's followers must know about its own writes: the seqs it committed (their writers emitted them, so
 * followers skip them) and its write transactions in flight (a follower lets them mark their events before it sorts).
 */
export class LocalSeqs {
  private readonly local = new Set<number>();
  /** Of `local`, those whose transaction has committed: only these may be walked past without a read. */
  private readonly committed = new Set<number>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Followers running in this process; seqs are remembered only while there is one. */
  followers = 0;

  /** Remembers seqs this process committed (while a follower runs). */
  mark(seqs: number[]): void {
    if (!this.followers) return;
    for (const s of seqs) {
      this.local.add(s);
      this.committed.add(s);
    }
  }

  /** Remembers seqs of a transaction not yet committed (it may still roll back and its seqs be given out again). */
  private markPending(seqs: number[]): void {
    if (this.followers) for (const s of seqs) this.local.add(s);
  }

  /** The transaction of pending seqs committed. */
  private confirm(seqs: number[]): void {
    for (const s of seqs) if (this.local.has(s)) this.committed.add(s);
  }

  /** Forgets seqs of a transaction that failed (they get reused). */
  unmark(seqs: number[]): void {
    for (const s of seqs) {
      this.local.delete(s);
      this.committed.delete(s);
    }
  }

  /**
   * The cursor after taking this process's own seqs that follow `cursor` without a gap: those need not be read back
   * (a gap is another writer's event, read when its notification comes).
   */
  advance(cursor: number): number {
    let c = cursor;
    while (this.committed.delete(c + 1)) {
      this.local.delete(c + 1);
      c++;
    }
    return c;
  }

  /** True (once) when `seq` is this process's own. */
  take(seq: number): boolean {
    this.committed.delete(seq);
    return this.local.delete(seq);
  }

  /** Forgets every seq (the last follower stopped). */
  clear(): void {
    this.local.clear();
    this.committed.clear();
  }

  /** Waits for the write transactions in flight to end, whatever their outcome. */
  async settle(): Promise<void> {
    if (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Counts `running` as in flight until it ends. */
  async track<T>(running: Promise<T>): Promise<T> {
    this.inflight.add(running);
    try {
      return await running;
    } finally {
      this.inflight.delete(running);
    }
  }

  /** Runs a transaction whose events are marked local before COMMIT; unmarks them if it fails. */
  async writing<T>(pool: pg.Pool, fn: (c: pg.PoolClient, mark: (seqs: number[]) => void) => Promise<T>): Promise<T> {
    const marked: number[] = [];
    try {
      const result = await this.track(
        transaction(pool, (c) =>
          fn(c, (seqs) => {
            marked.push(...seqs);
            this.markPending(seqs);
          }),
        ),
      );
      this.confirm(marked);
      return result;
    } catch (err) {
      this.unmark(marked);
      throw err;
    }
  }
}
