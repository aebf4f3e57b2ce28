import {
  acquireLease,
  checkFeatureProfile,
  type Decision,
  detachSession,
  forceReleaseLease,
  heartbeatLease,
  isOperationAllowed,
  joinMember,
  type PoolState,
  releaseLease,
  removeMember,
  reportQuota,
} from '@licensor/core';
import { fail, newId, ok, type Outcome } from '@licensor/protocol';
import type { AuditActor, IdempotencyRecord, NewAuditRecord } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { Decided, DecisionRunner } from './decision-runner.js';
import type { Grants } from './grants.js';
import type { NodeLicense } from './node-license.js';
import { type PoolTable, unknownModule } from './pool-table.js';

/** Options of one client operation. */
export interface OpContext {
  /** Recorded in the same transaction as the operation, built from its outcome. */
  idempotency?: (outcome: Outcome<unknown>) => IdempotencyRecord | null;
  /** Who asked, for admin actions: their audit entry is written in the same transaction as the operation. */
  actor?: AuditActor;
}

/**
 * The admission decisions clients ask for: slots, members, quotas and checks. Each is license check, pure decision
 * (the core), durable commit, then the answer. This is the hot path: nothing here awaits or allocates beyond that.
 */
export class Admission {
  constructor(
    private readonly license: NodeLicense,
    private readonly grants: Grants,
    private readonly pools: PoolTable,
    private readonly runner: DecisionRunner,
    private readonly clock: Clock,
    /** How long a dropped SDK session's leases survive, waiting for the device to come back. */
    readonly sessionGraceMs: number,
  ) {}

  /** Takes a slot (idempotent per holder: the same device re-takes its own slot). */
  acquire(moduleId: number, holderId: string, sessionId: string | null, ctx?: OpContext) {
    return this.run(
      moduleId,
      (pool, now) => acquireLease(pool, { holderId, newLeaseId: newId('lse'), sessionId }, now),
      ctx,
    );
  }

  /** Keeps a lease alive; `active` marks user activity. */
  heartbeat(moduleId: number, holderId: string, leaseId: string | undefined, active: boolean, ctx?: OpContext) {
    return this.run(
      moduleId,
      (pool, now) => heartbeatLease(pool, { holderId, ...(leaseId ? { leaseId } : {}), active }, now),
      ctx,
    );
  }

  /** Frees a slot; releasing twice is fine. */
  release(moduleId: number, holderId: string, leaseId?: string, ctx?: OpContext) {
    return this.runUnlicensed(
      moduleId,
      (pool, now) => releaseLease(pool, { holderId, ...(leaseId ? { leaseId } : {}) }, now),
      ctx,
    );
  }

  /** An admin frees someone else's slot (audited when `ctx.actor` is given). */
  forceRelease(moduleId: number, holderId: string, actor: string, ctx?: OpContext) {
    const audit = {
      action: 'lease.force_released' as const,
      target: `${moduleId}/${holderId}`,
      details: { moduleId, holderId },
    };
    return this.runUnlicensed(moduleId, (pool, now) => forceReleaseLease(pool, holderId, actor, now), ctx, audit);
  }

  /**
   * Connects or syncs a BLOCK_LATEST member (register, subordinate server). A profile naming modules that are not
   * add-ons of the application is refused; one enabling an add-on the license does not grant is stored blocked.
   */
  async syncMember(moduleId: number, memberId: string, features: number[] | undefined, ctx?: OpContext) {
    if (features?.length) {
      const shape = checkFeatureProfile(this.license.catalog, () => true, moduleId, features);
      if (!shape.ok) return shape;
    }
    return this.run(
      moduleId,
      (pool, now) => joinMember(pool, { memberId, ...(features ? { features } : {}) }, now),
      ctx,
    );
  }

  /** An admin removes a member; blocked members behind it unblock in order (audited when `ctx.actor` is given). */
  removeMember(moduleId: number, memberId: string, ctx?: OpContext) {
    const audit = {
      action: 'member.removed' as const,
      target: `${moduleId}/${memberId}`,
      details: { moduleId, memberId },
    };
    return this.runUnlicensed(moduleId, (pool, now) => removeMember(pool, memberId, now), ctx, audit);
  }

  /** Records the count a DEGRADE application reports. */
  reportQuota(moduleId: number, count: number, ctx?: OpContext) {
    return this.run(moduleId, (pool, now) => reportQuota(pool, { count }, now), ctx);
  }

  /** Is an operation allowed in the pool's quota state. */
  checkOperation(moduleId: number, operation: string): Outcome<true> {
    const lic = this.license.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    return pool.ok ? isOperationAllowed(pool.value, operation) : pool;
  }

  /** Checks a register profile's add-on features against the license. */
  checkProfile(moduleId: number, features: number[]) {
    const lic = this.license.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    if (!pool.ok) return pool;
    const granted = this.pools.granted;
    return checkFeatureProfile(this.license.catalog, (id) => granted.has(id), moduleId, features);
  }

  /** Whether a module is licensed (and the license valid) on this node. */
  isEnabled(moduleId: number): Outcome<{ enabled: boolean; reason?: string; code?: string }> {
    if (!this.pools.all.has(moduleId)) return unknownModule(moduleId);
    const lic = this.license.licensed();
    if (!lic.ok) return ok({ enabled: false, code: lic.code, reason: lic.message });
    const pool = this.pool(moduleId);
    return ok(pool.ok ? { enabled: true } : { enabled: false, code: pool.code, reason: pool.message });
  }

  /** A dropped SDK session: its leases live on for the grace period unless the same device comes back. */
  async detachSession(sessionId: string): Promise<void> {
    const held = [...this.pools.all.values()].filter((pool) =>
      [...pool.leases.values()].some((l) => l.sessionId === sessionId),
    );
    if (!held.length) return;
    await this.runner.decideEach(held, (pool, now) => detachSession(pool, sessionId, this.sessionGraceMs, now));
  }

  /** The pool of a module, if the module is known and licensed. */
  private pool(moduleId: number): Outcome<PoolState> {
    const pool = this.pools.all.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    if (!this.pools.granted.has(moduleId)) {
      const blockedBy = this.license.blockedByParent;
      const why = blockedBy ? ` (the parent withdrew this node's allocation: ${blockedBy})` : '';
      return fail('MODULE_NOT_LICENSED', `${pool.module.name} (${moduleId}) is not licensed on this node${why}`, {
        data: { moduleId },
      });
    }
    return ok(pool);
  }

  /** Runs one pool operation: license check, pure decision, durable commit, then the answer. */
  private async run<T>(
    moduleId: number,
    op: (pool: PoolState, now: number) => Decision<T>,
    ctx: OpContext = {},
  ): Promise<Outcome<T>> {
    await this.grants.regrantIfDue();
    // Memory being put back after a failed commit (possibly while the line above waited): decide after it.
    while (this.pools.recovering) await this.pools.recovering.catch(() => undefined);
    const lic = this.license.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    if (!pool.ok) return pool;
    const d = op(pool.value, this.clock.now());
    await this.runner.persist(d, ctx.idempotency?.(d.outcome) ?? null);
    return d.outcome;
  }

  /** Operations that must work without a license too: giving slots back is never refused. */
  private async runUnlicensed<T>(
    moduleId: number,
    op: (pool: PoolState, now: number) => Decision<T>,
    ctx: OpContext = {},
    audit?: Pick<NewAuditRecord, 'action' | 'target' | 'details'>,
  ): Promise<Outcome<T>> {
    const pool = this.pools.all.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    const decideOp = (): Decided<T> => {
      const now = this.clock.now();
      const d = op(pool, now);
      // An admin action that took effect is audited in the same transaction as its changes.
      const entry =
        audit && ctx.actor && d.outcome.ok ? { id: newId('aud'), at: now, actor: ctx.actor, ...audit } : null;
      return decided(d, ctx, entry);
    };
    return this.runner.decide(decideOp);
  }
}

/** A decision with the idempotency record its outcome calls for and its audit entry. */
function decided<T>(d: Decision<T>, ctx: OpContext, audit: NewAuditRecord | null): Decided<T> {
  return { d, idem: ctx.idempotency?.(d.outcome) ?? null, audit };
}
