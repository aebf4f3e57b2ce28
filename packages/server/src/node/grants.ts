import { type PoolState, remainingQuantities, sameLicensedFeatures, setPoolQuantity } from '@licensor/core';
import type { DecisionRunner } from './decision-runner.js';
import type { HeldAllocation } from './grant-sources.js';
import type { NodeLicense } from './node-license.js';
import type { PoolTable } from './pool-table.js';

const NO_FEATURES: ReadonlySet<number> = new Set();

/** What the hierarchy changes about this node's grants: the allocation it holds, its children's shares, a block. */
export interface GrantControl {
  /** Takes a verified allocation from the parent (or drops it with null) and re-sizes the pools. */
  setAllocation(allocation: HeldAllocation | null): Promise<void>;
  /** Records what this node's children were allocated; its own pools keep the rest. */
  setAllocatedOut(allocatedOut: Map<number, number>): Promise<void>;
  /** Marks this node as blocked by its parent (a sentence saying why), or served again (null). */
  setBlockedBy(reason: string | null): Promise<void>;
}

/**
 * What each pool is granted: what the license and the allocation hold, less what the children were allocated. The
 * pools are re-sized whenever a source changes, and once a source starts or ends with time alone.
 */
export class Grants implements GrantControl {
  /** Quantities handed down to child nodes, per module. */
  private allocatedOut = new Map<number, number>();
  private regranting: Promise<void> | null = null;
  private trimsHeld = false;

  constructor(
    private readonly license: NodeLicense,
    private readonly pools: PoolTable,
    private readonly runner: DecisionRunner,
  ) {}

  /** Recomputes pool quantities and licensed add-ons from the license (after install, renewal, expiry, a sync). */
  async apply(): Promise<void> {
    const added = this.pools.adopt(this.license.refresh());
    if (added.length) await this.pools.reload(added);
    const granted = remainingQuantities(new Map(this.license.heldQuantities), this.allocatedOut);
    this.pools.granted = granted;
    const quantity = (id: number) => (granted.has(id) ? (granted.get(id) ?? null) : 0);
    const features = this.licensedFeatures(granted);
    const addOns = (id: number) => features.get(id) ?? NO_FEATURES;
    const unsettled = this.pools.unsettled;
    // A module not granted at all is closed, not trimmed: the license check refuses its holders, each told why.
    const trim = (id: number) => granted.has(id) && !this.trimsHeld;
    // Slots beyond a granted quantity: one granted at the quantity its pool was closed at, or left while trims were held.
    const overQuantity = (pool: PoolState) => {
      const q = quantity(pool.module.id);
      return trim(pool.module.id) && q !== null && pool.leases.size > q;
    };
    const resized = [...this.pools.all.values()].filter(
      (pool) =>
        unsettled.has(pool.module.id) ||
        pool.quantity !== quantity(pool.module.id) ||
        !sameLicensedFeatures(pool, addOns(pool.module.id)) ||
        overQuantity(pool),
    );
    if (!resized.length) return;
    // Settled by this decision; a failed commit marks them again.
    for (const pool of resized) unsettled.delete(pool.module.id);
    await this.runner.decideEach(resized, (pool, now) =>
      setPoolQuantity(pool, quantity(pool.module.id), now, addOns(pool.module.id), trim(pool.module.id)),
    );
  }

  /**
   * A starting node sizes its pools in steps (its own license, then its children's shares, then the allocation it
   * holds from its parent, restored after it listens): a holder must not lose its slot to a step that is not the last.
   * Until releaseTrims, pools are sized but their slots are left as they are.
   */
  holdTrims(): void {
    this.trimsHeld = true;
  }

  /** Every source of grants is in: slots beyond what the pools are granted end now. */
  async releaseTrims(): Promise<void> {
    this.trimsHeld = false;
    await this.apply();
  }

  /**
   * Re-sizes the pools once a source of grants has started or ended (an allocation expiring beside a license), or
   * when a failed commit left pools unsettled.
   */
  async regrantIfDue(): Promise<void> {
    if (!this.license.grantsDue() && this.pools.unsettled.size === 0) return;
    this.regranting ??= this.apply().finally(() => {
      this.regranting = null;
    });
    await this.regranting;
  }

  /** Takes a verified allocation from the parent (or drops it with null) and re-sizes the pools. */
  async setAllocation(allocation: HeldAllocation | null): Promise<void> {
    this.license.takeAllocation(allocation);
    await this.apply();
  }

  /** Records what this node's children were allocated; its own pools keep the rest. */
  async setAllocatedOut(allocatedOut: Map<number, number>): Promise<void> {
    this.allocatedOut = allocatedOut;
    await this.apply();
  }

  /**
   * Marks this node as blocked by its parent (a sentence saying why), or served again (null). While blocked, the
   * allocation counts for nothing, even one not yet withdrawn; work under a license of its own continues.
   */
  async setBlockedBy(reason: string | null): Promise<void> {
    this.license.block(reason);
    await this.apply();
  }

  /** Per application, the add-on features the license grants (what a member's profile may enable). */
  private licensedFeatures(granted: ReadonlyMap<number, number | null>): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    for (const id of granted.keys()) {
      const m = this.license.catalog.modules.get(id);
      if (m?.kind !== 'feature' || m.extends === undefined) continue;
      const set = out.get(m.extends) ?? new Set<number>();
      set.add(id);
      out.set(m.extends, set);
    }
    return out;
  }
}
