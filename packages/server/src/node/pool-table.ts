import { type Catalog, createPool, type PoolState, refillPools, summarizePool } from '@licensor/core';
import { fail, ok, type Outcome } from '@licensor/protocol';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';

/** The refusal for a module ID the node's catalog does not have. */
export function unknownModule(moduleId: number) {
  return fail('MODULE_UNKNOWN', `module ${moduleId} is not in this node's catalog`, { field: 'moduleId' });
}

/** What the dashboard, metrics and usage sampling read of the pools. */
export interface PoolReader {
  /** Summaries of every pool. */
  listPools(): ReturnType<PoolTable['listPools']>;
  /** One pool with its holders, members and quota. */
  poolDetail(moduleId: number): ReturnType<PoolTable['poolDetail']>;
  /** The licensed modules and their quantities here, without summarizing pools (members are not walked). */
  licensedQuantities(): { moduleId: number; quantity: number | null }[];
}

/**
 * The node's pools, one per module of the catalog it enforces, held in memory and decided on by the pure core; and
 * what each is granted (set by Grants): a module absent from `granted` is not licensed here.
 */
export class PoolTable implements PoolReader {
  readonly all = new Map<number, PoolState>();
  /** Quantity per licensed module after the children's shares (null = unlimited). */
  granted: ReadonlyMap<number, number | null> = new Map();
  /**
   * Pools whose members went back to what the store holds after a failed commit, while their quantity and add-ons
   * stayed what Grants last set: their members must be settled again (Grants does so at the next operation or tick).
   */
  readonly unsettled = new Set<number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    catalog: Catalog,
  ) {
    for (const m of catalog.modules.values()) this.all.set(m.id, createPool(m, 0));
  }

  /** Pools take the module definitions of `catalog`; modules new to the node get an empty pool. Returns the new IDs. */
  adopt(catalog: Catalog): number[] {
    const added: number[] = [];
    for (const m of catalog.modules.values()) {
      const pool = this.all.get(m.id);
      if (pool) pool.module = m;
      else {
        this.all.set(m.id, createPool(m, 0));
        added.push(m.id);
      }
    }
    return added;
  }

  /** Replaces in-memory pool state with what the store holds (start, new modules). */
  async reload(ids?: number[]): Promise<void> {
    refillPools(this.all, await this.store.loadPools(), ids);
  }

  /**
   * Refreshes the pools other processes decide (a shared store) from what they committed; the pools this process
   * owns are never read back, since memory is ahead of the store while a group commit is in flight.
   */
  async reloadForeign(owns: (moduleId: number) => boolean): Promise<void> {
    const snapshot = await this.store.loadPools();
    // Decided after the read: a pool taken while it was in flight holds newer state than this snapshot.
    refillPools(
      this.all,
      snapshot,
      [...this.all.keys()].filter((id) => !owns(id)),
    );
  }

  /**
   * Set while memory is being put back after a failed commit: a decision made meanwhile would be made on memory the
   * reload is about to replace (and then committed, leaving the store ahead of memory), so decisions wait for it.
   */
  recovering: Promise<void> | null = null;

  /** After a failed commit: memory goes back to what the store holds, and `ids` (default: every pool) are unsettled. */
  async reloadAfterFailure(ids?: readonly number[]): Promise<void> {
    for (const id of ids ?? this.all.keys()) this.unsettled.add(id);
    const done = this.reload(ids ? [...ids] : undefined).finally(() => {
      if (this.recovering === done) this.recovering = null;
    });
    this.recovering = done;
    await done;
  }

  /** Summaries of every pool. */
  listPools() {
    const now = this.clock.now();
    return [...this.all.values()]
      .filter((p) => this.granted.has(p.module.id) || p.leases.size || p.members.size)
      .map((p) => ({ ...summarizePool(p, now), licensed: this.granted.has(p.module.id) }));
  }

  /** The licensed modules and their quantities (after the children's shares), without walking holders or members. */
  licensedQuantities(): { moduleId: number; quantity: number | null }[] {
    const out: { moduleId: number; quantity: number | null }[] = [];
    for (const p of this.all.values())
      if (this.granted.has(p.module.id)) out.push({ moduleId: p.module.id, quantity: p.quantity });
    return out;
  }

  /** One pool with its holders, members and quota. */
  poolDetail(moduleId: number): Outcome<{ pool: PoolState; summary: ReturnType<typeof summarizePool> }> {
    const pool = this.all.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    return ok({ pool, summary: summarizePool(pool, this.clock.now()) });
  }
}
