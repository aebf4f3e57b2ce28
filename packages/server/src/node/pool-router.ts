import { fail, type Outcome } from '@licensor/protocol';
import type { IdempotencyRecord } from '../store/store.js';
import type { Admission, OpContext } from './admission.js';
import { type AdmissionApi, type PeerAnswer, type PeerChannel, type PoolOp, runPoolOp } from './pool-ops.js';
import { HERE, type PoolOwnership } from './pool-ownership.js';

/** How long a forwarded operation keeps trying (a takeover fits in it many times over), then answers 503. */
const ROUTE_DEADLINE_MS = 6000;
const backoffMs = (attempt: number) => Math.min(20 * 2 ** attempt, 500);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Admission on a shared store: each pool operation runs where its pool is owned. Owned here (or free, and taken now),
 * it runs on this process's Admission; owned elsewhere, it is sent to the owner and its outcome returned. An owner
 * that does not answer is looked up again, and the pool taken over once PostgreSQL has freed its lock (the owner died).
 * Every operation is idempotent per holder or member, so one sent again after an unanswered try takes effect once.
 * Reads (checks, `isEnabled`) answer from this process's view, refreshed from the store as other processes commit.
 */
export class PoolRouter implements AdmissionApi {
  constructor(
    private readonly local: Admission,
    private readonly ownership: PoolOwnership,
    private readonly peers: PeerChannel,
    /** Modules this node knows: others are answered here (MODULE_UNKNOWN), never routed. */
    private readonly known: (moduleId: number) => boolean,
    /** Commits an idempotency record of a forwarded operation (the owner cannot: it does not know the route). */
    private readonly recordIdempotency: (record: IdempotencyRecord) => Promise<void>,
  ) {}

  get sessionGraceMs(): number {
    return this.local.sessionGraceMs;
  }

  /** Takes a slot (idempotent per holder: the same device re-takes its own slot). */
  acquire(moduleId: number, holderId: string, sessionId: string | null, ctx?: OpContext) {
    return this.route({ op: 'acquire', moduleId, holderId, sessionId }, ctx) as ReturnType<Admission['acquire']>;
  }

  /** Keeps a lease alive; `active` marks user activity. */
  heartbeat(moduleId: number, holderId: string, leaseId: string | undefined, active: boolean, ctx?: OpContext) {
    const op: PoolOp = { op: 'heartbeat', moduleId, holderId, ...(leaseId ? { leaseId } : {}), active };
    return this.route(op, ctx) as ReturnType<Admission['heartbeat']>;
  }

  /** Frees a slot; releasing twice is fine. */
  release(moduleId: number, holderId: string, leaseId?: string, ctx?: OpContext) {
    const op: PoolOp = { op: 'release', moduleId, holderId, ...(leaseId ? { leaseId } : {}) };
    return this.route(op, ctx) as ReturnType<Admission['release']>;
  }

  /** An admin frees someone else's slot (audited by the owner when `ctx.actor` is given). */
  forceRelease(moduleId: number, holderId: string, actor: string, ctx?: OpContext) {
    const op: PoolOp = {
      op: 'forceRelease',
      moduleId,
      holderId,
      actorName: actor,
      ...(ctx?.actor ? { actor: ctx.actor } : {}),
    };
    return this.route(op, ctx) as ReturnType<Admission['forceRelease']>;
  }

  /** Connects or syncs a BLOCK_LATEST member. */
  syncMember(moduleId: number, memberId: string, features: number[] | undefined, ctx?: OpContext) {
    const op: PoolOp = { op: 'syncMember', moduleId, memberId, ...(features ? { features } : {}) };
    return this.route(op, ctx) as ReturnType<Admission['syncMember']>;
  }

  /** An admin removes a member (audited by the owner when `ctx.actor` is given). */
  removeMember(moduleId: number, memberId: string, ctx?: OpContext) {
    const op: PoolOp = { op: 'removeMember', moduleId, memberId, ...(ctx?.actor ? { actor: ctx.actor } : {}) };
    return this.route(op, ctx) as ReturnType<Admission['removeMember']>;
  }

  /** Records the count a DEGRADE application reports. */
  reportQuota(moduleId: number, count: number, ctx?: OpContext) {
    return this.route({ op: 'reportQuota', moduleId, count }, ctx) as ReturnType<Admission['reportQuota']>;
  }

  /** Is an operation allowed in the pool's quota state (this process's view). */
  checkOperation(moduleId: number, operation: string) {
    return this.local.checkOperation(moduleId, operation);
  }

  /** Checks a register profile's add-on features against the license. */
  checkProfile(moduleId: number, features: number[]) {
    return this.local.checkProfile(moduleId, features);
  }

  /** Whether a module is licensed (and the license valid) on this node. */
  isEnabled(moduleId: number) {
    return this.local.isEnabled(moduleId);
  }

  /** A dropped SDK session: detached here and at every owner this process sent operations to. */
  async detachSession(sessionId: string): Promise<void> {
    await Promise.all([
      this.local.detachSession(sessionId),
      ...this.ownership
        .peers()
        .map((url) => this.peers.send(url, { op: 'detachSession', sessionId }).catch(() => null)),
    ]);
  }

  /** Runs an operation another process sent: here when this process owns (or can take) the pool, else `moved`. */
  async serve(op: PoolOp): Promise<PeerAnswer> {
    if (op.op !== 'detachSession' && this.known(op.moduleId) && !this.ownership.owns(op.moduleId)) {
      if ((await this.ownership.locate(op.moduleId)) !== HERE) return { moved: true };
    }
    return { outcome: await runPoolOp(this.local, op) };
  }

  /** Runs `op` here when its pool is owned here (or free, and taken now); else at its owner (see the class comment). */
  private async route(op: Exclude<PoolOp, { op: 'detachSession' }>, ctx: OpContext = {}): Promise<Outcome<unknown>> {
    const { moduleId } = op;
    if (this.ownership.owns(moduleId) || !this.known(moduleId)) return runPoolOp(this.local, op, ctx);
    const giveUpAt = performance.now() + ROUTE_DEADLINE_MS;
    for (let attempt = 0; ; attempt++) {
      const where = await this.ownership.locate(moduleId);
      if (where === HERE) return runPoolOp(this.local, op, ctx);
      if (where !== null) {
        const answer = await this.peers.send(where, op).catch(() => null);
        if (answer && 'outcome' in answer) {
          const record = ctx.idempotency?.(answer.outcome);
          if (record) await this.recordIdempotency(record);
          return answer.outcome;
        }
        this.ownership.forget(moduleId, where);
      }
      if (performance.now() >= giveUpAt)
        return fail('STORE_UNAVAILABLE', `the process deciding module ${moduleId} cannot be reached; retry later`, {
          data: { retryAfterSeconds: 2 },
        });
      await sleep(backoffMs(attempt));
    }
  }
}
