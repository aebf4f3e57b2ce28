import { newId } from '@licensor/protocol';
import type { PoolOwnershipLocks } from '../store/pool-ownership-locks.js';
import type { SharedPoolStore } from '../store/shared-pool-store.js';
import type { CommitFence } from '../store/store.js';
import type { Clock } from '../time/clock.js';

/** Where a pool is decided: here, at another process's URL, or nowhere reachable yet (ask again shortly). */
export type PoolLocation = typeof HERE | string | null;
/** The pool is owned by this process. */
export const HERE = Symbol('here');

/** What taking a pool asks of the node: its rows reloaded and its quantity settled before the first decision. */
export interface OwnershipHooks {
  /**
   * A pool just became this process's: load what the previous owner committed and mark it unsettled (its quantity is
   * settled by the first decision, under the new epoch).
   */
  taken(moduleId: number): Promise<void>;
  /** The install time of the license decisions are made with (part of every fence). */
  licenseInstalledAt(): number | null;
}

/**
 * Which pools this process decides on a shared store, and where the others are decided. A pool is taken lazily, the
 * first time this process needs it and no live process holds it; it stays taken until the process stops or loses its
 * lock connection. Every decision on an owned pool is committed with a fence naming the epoch it was taken at, so a
 * process that lost a pool without knowing it cannot write over the new owner.
 */
export class PoolOwnership {
  /** This process, as pool_owners names it. */
  readonly ownerId = newId('prc');
  private readonly epochs = new Map<number, number>();
  private readonly remote = new Map<number, string>();
  private readonly taking = new Map<number, Promise<PoolLocation>>();
  private readonly locks: PoolOwnershipLocks;
  private url = '';
  /** Grows each time the lock connection is lost: a take begun on a lost connection does not count. */
  private generation = 0;

  constructor(
    shared: SharedPoolStore,
    private readonly clock: Clock,
    private readonly hooks: OwnershipHooks,
  ) {
    this.locks = shared.openOwnership(() => this.lost());
  }

  /** True when this process decides the pool. */
  owns(moduleId: number): boolean {
    return this.epochs.has(moduleId);
  }

  /** The pools this process decides. */
  owned(): number[] {
    return [...this.epochs.keys()];
  }

  /** The fence of a decision changing `moduleIds` (a pool not owned gets epoch 0, which no row has: it fails). */
  fence(moduleIds: Iterable<number>): CommitFence {
    const pools: [number, number][] = [];
    for (const id of moduleIds) pools.push([id, this.epochs.get(id) ?? 0]);
    return { pools, licenseInstalledAt: this.hooks.licenseInstalledAt() };
  }

  /** Where the pool is decided: here (taking it if nobody holds it), another process's URL, or null (ask again). */
  locate(moduleId: number): Promise<PoolLocation> | PoolLocation {
    if (this.epochs.has(moduleId)) return HERE;
    const cached = this.remote.get(moduleId);
    if (cached) return cached;
    let pending = this.taking.get(moduleId);
    if (!pending) {
      pending = this.take(moduleId).finally(() => this.taking.delete(moduleId));
      this.taking.set(moduleId, pending);
    }
    return pending;
  }

  /** The owner at `url` did not answer for the pool: look it up again next time. */
  forget(moduleId: number, url: string): void {
    if (this.remote.get(moduleId) === url) this.remote.delete(moduleId);
  }

  /** Forgets where a pool was decided, whoever it was (the next locate looks again, and takes it if it is free). */
  forgetOwner(moduleId: number): void {
    this.remote.delete(moduleId);
  }

  /** The other processes this one has sent pool operations to. */
  peers(): string[] {
    return [...new Set(this.remote.values())];
  }

  /** Records where this process listens, on the pools it took before it listened. */
  async listening(url: string): Promise<void> {
    this.url = url;
    if (this.epochs.size) await this.locks.announce(this.ownerId, url);
  }

  /** After a commit refused by its fence: gives up the pools whose epoch moved (another process took them). */
  async verify(): Promise<void> {
    for (const [id, epoch] of [...this.epochs]) {
      const row = await this.locks.owner(id).catch(() => null);
      if (row?.epoch !== epoch || row.ownerId !== this.ownerId) this.epochs.delete(id);
    }
  }

  /** Gives every pool up (a graceful stop): other processes take them at their next request. */
  async close(): Promise<void> {
    this.epochs.clear();
    await this.locks.close();
  }

  private async take(moduleId: number): Promise<PoolLocation> {
    const generation = this.generation;
    // A store that cannot be reached throws here: the operation answers STORE_UNAVAILABLE at once, as a local one would.
    const epoch = await this.locks.tryTake(moduleId, this.ownerId, this.url, this.clock.now());
    if (epoch !== null) {
      try {
        await this.hooks.taken(moduleId);
      } catch (err) {
        // Not loaded, so not decided here: give the lock back for whoever can.
        await this.locks.release(moduleId).catch(() => undefined);
        throw err;
      }
      // The lock connection died while the pool was being loaded: the lock went with it, so the pool is not ours.
      if (generation !== this.generation) return null;
      this.epochs.set(moduleId, epoch);
      return HERE;
    }
    const row = await this.locks.owner(moduleId);
    // No row, an owner that has not listened yet, or a row naming this process (a previous run at the same address,
    // its lock now held by a process still writing the row): ask again shortly.
    if (!row || row.ownerUrl === '' || row.ownerId === this.ownerId || row.ownerUrl === this.url) return null;
    this.remote.set(moduleId, row.ownerUrl);
    return row.ownerUrl;
  }

  /** The lock connection died: every pool went with it; the next request takes them again (or finds their owner). */
  private lost(): void {
    this.generation++;
    this.epochs.clear();
  }
}
