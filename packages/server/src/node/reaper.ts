import {
  type Decision,
  type DomainEvent,
  expireLeases,
  expireMembers,
  nextExpiry,
  type PoolState,
} from '@licensor/core';
import { newId, ok } from '@licensor/protocol';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { DecisionRunner } from './decision-runner.js';
import type { Grants } from './grants.js';
import type { NodeLicense } from './node-license.js';
import type { PoolOwnership } from './pool-ownership.js';
import type { PoolTable } from './pool-table.js';

/** Events about the deployment's license that each process notices by its own clock, recorded once on a shared store. */
const ONCE_PER_DEPLOYMENT = new Set<string>(['license.expired', 'license.activated', 'allocation.expired']);

/** How long past due a pool another process should reap may stay before this process checks that its owner lives. */
const ORPHAN_AFTER_MS = 2000;

/** True when a pool has held a lease past its expiry, or a BLOCK_LATEST member silent past its limit, for `lateMs`. */
function overdue(pool: PoolState, now: number, lateMs: number): boolean {
  const expiry = nextExpiry(pool);
  if (expiry !== null && expiry + lateMs <= now) return true;
  const silentAfter =
    pool.module.policy.strategy === 'BLOCK_LATEST' ? pool.module.policy.memberInactiveAfterSeconds : null;
  if (silentAfter === null) return false;
  for (const m of pool.members.values()) if (m.lastSeenAt + silentAfter * 1000 + lateMs <= now) return true;
  return false;
}

/** What time alone changes: expired leases, long-silent members, a license expiring or starting. Run on a timer. */
export class Reaper {
  private lastLicenseState: string | null = null;

  constructor(
    private readonly license: NodeLicense,
    private readonly grants: Grants,
    private readonly pools: PoolTable,
    private readonly runner: DecisionRunner,
    private readonly store: Store,
    private readonly clock: Clock,
    /** On a shared store: which pools this process decides (it takes orphaned ones, see claimOrphans). */
    private readonly ownership: PoolOwnership | null = null,
  ) {}

  /** Frees expired leases, drops long-silent members and notices license expiry; returns the events written. */
  async reap(): Promise<number> {
    await this.grants.regrantIfDue();
    const state = this.license.licenseState().state;
    let events = this.license.takeEvents();
    if (state !== this.lastLicenseState) {
      events.push(...this.stateEvents(state));
      this.lastLicenseState = state;
      if (this.store.shared && events.length) events = await this.firstToSay(events);
    }
    await this.claimOrphans();
    // On a shared store each process reaps only the pools it owns: the others are their owners' to reap.
    const busy = [...this.pools.all.values()].filter(
      (p) =>
        this.runner.owns(p.module.id) &&
        (p.leases.size || p.tombstones.size || (p.members.size && p.module.policy.strategy === 'BLOCK_LATEST')),
    );
    let count = 0;
    await this.runner.decide(() => {
      const at = this.clock.now();
      const pooled: Decision<null> = { outcome: ok(null), changes: [], events: [...events] };
      for (const pool of busy) {
        if (pool.leases.size || pool.tombstones.size) {
          const d = expireLeases(pool, at);
          pooled.changes.push(...d.changes);
          pooled.events.push(...d.events);
        }
        if (pool.members.size && pool.module.policy.strategy === 'BLOCK_LATEST') {
          const d = expireMembers(pool, at);
          pooled.changes.push(...d.changes);
          pooled.events.push(...d.events);
        }
      }
      count = pooled.events.length;
      return { d: pooled, idem: null, audit: null };
    });
    await this.license.persistTime(this.store);
    return count;
  }

  /**
   * On a shared store: a pool whose owner died while no request for it has come since is decided by nobody, so its
   * leases would never expire. A pool this process sees overdue (past what a live owner's reaper leaves) is looked up
   * again and, when its lock is free, taken here and reaped with the others.
   */
  private async claimOrphans(): Promise<void> {
    if (!this.ownership) return;
    const now = this.clock.now();
    for (const pool of this.pools.all.values()) {
      const id = pool.module.id;
      if (this.ownership.owns(id) || !overdue(pool, now, ORPHAN_AFTER_MS)) continue;
      this.ownership.forgetOwner(id);
      await Promise.resolve(this.ownership.locate(id)).catch(() => null);
    }
  }

  /** Events for a change of license state noticed with time alone: an allocation or license expired, one started. */
  private stateEvents(state: string): DomainEvent[] {
    const out: DomainEvent[] = [];
    const allocation = this.license.heldAllocation;
    const installed = this.license.license;
    const notAfter = allocation?.payload.notAfter;
    if (state === 'expired' && allocation && notAfter && this.clock.now() >= Date.parse(notAfter)) {
      out.push({
        type: 'allocation.expired' as DomainEvent['type'],
        moduleId: 0,
        subject: allocation.payload.id,
        data: { notAfter, parent: allocation.payload.parent.nodeId },
      });
    } else if (state === 'expired' && installed)
      out.push({
        type: 'license.expired' as DomainEvent['type'],
        moduleId: 0,
        subject: installed.payload.id,
        data: { notAfter: installed.payload.notAfter },
      });
    // A license installed ahead of its start date becomes valid with time alone: say so, so sessions hear it.
    if (state === 'valid' && this.lastLicenseState === 'not_yet_valid' && installed)
      out.push({
        type: 'license.activated' as DomainEvent['type'],
        moduleId: 0,
        subject: installed.payload.id,
        data: { notBefore: installed.payload.notBefore },
      });
    return out;
  }

  /**
   * On a shared store every process notices a license expiring or starting with its own clock: of those events, keeps
   * the ones no other process recorded first, so the feed holds each once. Should the store not answer, keeps them all
   * (a repeated event rather than a lost one).
   */
  private async firstToSay(events: DomainEvent[]): Promise<DomainEvent[]> {
    const out: DomainEvent[] = [];
    for (const e of events) {
      if (!ONCE_PER_DEPLOYMENT.has(e.type)) {
        out.push(e);
        continue;
      }
      const mine = newId('say');
      const said = await this.store
        .initMeta(`event.once:${e.type}:${e.subject}:${JSON.stringify(e.data ?? null)}`, mine)
        .catch(() => mine);
      if (said === mine) out.push(e);
    }
    return out;
  }
}
