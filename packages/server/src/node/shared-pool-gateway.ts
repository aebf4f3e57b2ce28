import { type PoolState, refillPools } from '@licensor/core';
import type { SharedPoolStore } from '../store/shared-pool-store.js';
import type { CommitBatch } from '../store/store.js';

interface Pending {
  moduleIds: readonly number[];
  /** Times its group found the license changed under it (it is retried on the new license). */
  attempts: number;
  decide: () => CommitBatch | null;
  resolve: (seqs: number[]) => void;
  reject: (err: unknown) => void;
}

const EMPTY: CommitBatch = { changes: [], events: [], idempotency: [], audit: [] };
const STALE = Symbol('license changed');
const MAX_ATTEMPTS = 20;

/** The license this process decides with, as the gateway compares it with the one the database holds. */
export interface LicenseView {
  /** When the license this process holds was installed (null: none). */
  installedAt(): number | null;
  /** Loads the license the database holds (another process installed it) and re-sizes the pools. */
  reload(): Promise<void>;
}

/**
 * Pool operations when several processes share the store. Each operation is decided inside a database transaction
 * that holds its pools' locks, on the state just read from the database — never on this process's memory, which
 * other processes change behind its back. Operations queued in one event-loop turn share one transaction (the locks
 * of all their pools, taken in ascending order), so the shared path keeps group commit's economy; a few transactions
 * run at once, so a commit's round trips overlap with the next group's (same pools wait for each other in PostgreSQL).
 */
export class SharedPoolGateway {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = 0;
  /** Pools a transaction of this process holds: the next group waits for them, so it grows instead of splitting. */
  private readonly busy = new Set<number>();
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly store: SharedPoolStore,
    /** This process's pool objects: refilled from the database before each decision (tombstones and quantity kept). */
    private readonly pools: ReadonlyMap<number, PoolState>,
    /**
     * Quantities come from the license in this process's memory: a group that finds another license in the database
     * (installed through another process a moment ago) rolls back, the license is loaded, and the group runs again.
     */
    private readonly license: LicenseView,
    private readonly maxBatch = 256,
    /** Transactions this process keeps open at once, on disjoint pools. */
    private readonly maxInFlight = 6,
  ) {}

  /** Runs `decide` on the current state of the pools of `moduleIds`; resolves with its events' seqs once committed. */
  execute(moduleIds: readonly number[], decide: () => CommitBatch | null): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ moduleIds, decide, resolve, reject, attempts: 0 });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const group = this.take();
      if (!group.length) return;
      this.running++;
      const ids = new Set<number>();
      for (const p of group) for (const id of p.moduleIds) ids.add(id);
      for (const id of ids) this.busy.add(id);
      void this.flush(group, ids).then((stale) => {
        for (const id of ids) this.busy.delete(id);
        this.running--;
        if (stale) this.reloadLicense();
        if (this.queue.length) this.schedule();
      });
      if (this.queue.length) this.schedule();
    });
  }

  /**
   * The next group, in queue order: operations whose pools no transaction of this process holds. An operation left
   * waiting reserves its pools, so the ones behind it cannot take them first (a reaper locking many pools is not
   * starved by a stream of single-pool operations).
   */
  private take(): Pending[] {
    const group: Pending[] = [];
    const rest: Pending[] = [];
    const reserved = new Set<number>();
    for (const p of this.queue) {
      const free = group.length < this.maxBatch && p.moduleIds.every((id) => !this.busy.has(id) && !reserved.has(id));
      if (free) group.push(p);
      else {
        rest.push(p);
        for (const id of p.moduleIds) reserved.add(id);
      }
    }
    this.queue = rest;
    return group;
  }

  private reloadLicense(): void {
    if (this.reloading) return;
    this.reloading = this.license
      .reload()
      .catch(() => undefined)
      .finally(() => {
        this.reloading = null;
        if (this.queue.length) this.schedule();
      });
  }

  /** Runs one group in one transaction; true when it found the license changed (the group is queued again). */
  private async flush(group: Pending[], ids: Set<number>): Promise<boolean> {
    const errors = new Map<Pending, unknown>();
    try {
      const seqs = await this.store.withPools([...ids], (state, installedAt) => {
        if (installedAt !== this.license.installedAt()) throw STALE;
        refillPools(this.pools, state, ids);
        return group.map((p) => {
          try {
            return p.decide() ?? EMPTY;
          } catch (err) {
            errors.set(p, err);
            return EMPTY;
          }
        });
      });
      group.forEach((p, i) => {
        if (errors.has(p)) p.reject(errors.get(p));
        else p.resolve(seqs[i] ?? []);
      });
      return false;
    } catch (err) {
      if (err !== STALE) {
        for (const p of group) p.reject(err);
        return false;
      }
      const again = group.filter((p) => ++p.attempts < MAX_ATTEMPTS);
      for (const p of group)
        if (p.attempts >= MAX_ATTEMPTS) p.reject(new Error('the license kept changing under this operation; retry it'));
      this.queue.unshift(...again);
      return true;
    }
  }

  /** Resolves when everything queued so far is committed (or refused). */
  async drain(): Promise<void> {
    while (this.queue.length || this.running || this.scheduled) await new Promise((r) => setTimeout(r, 5));
  }
}
