import type { Decision, DomainEvent, PoolState } from '@licensor/core';
import { ok, type Outcome } from '@licensor/protocol';
import type { CommitBatch, IdempotencyRecord, NewAuditRecord, NewEvent, Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { EventFeed } from './event-feed.js';
import { GroupCommitter } from './group-committer.js';
import type { PoolOwnership } from './pool-ownership.js';
import type { PoolTable } from './pool-table.js';

/** An operation's decision with the records written in its transaction. */
export interface Decided<T> {
  d: Decision<T>;
  idem: IdempotencyRecord | null;
  audit: NewAuditRecord | null;
}

/** An event another subsystem (hierarchy sync, allocations) asks the node to store and announce. */
export interface PublishedEvent {
  type: string;
  moduleId?: number;
  subject: string;
  data?: Record<string, unknown>;
}

/** Stores events of other subsystems with an optional audit entry, then announces them. */
export interface EventPublisher {
  /** Stores the events (and audit entry) in one transaction, then announces them. */
  publish(events: PublishedEvent[], audit?: NewAuditRecord): Promise<void>;
}

/** After a failed commit: what the node does besides putting memory back (a fence refused: ownership, license). */
export type CommitFailureHook = (err: unknown) => Promise<void>;

/**
 * Makes decisions durable before anyone is answered. Decisions are made on memory and group-committed. On a shared
 * store (PostgreSQL) only the process owning a pool decides it, and each commit carries a fence (the pools' epochs and
 * the license): a process that lost a pool without knowing it cannot write over the new owner. Committed events go to
 * the feed.
 */
export class DecisionRunner implements EventPublisher {
  readonly committer: GroupCommitter;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly feed: EventFeed,
    private readonly pools: PoolTable,
    /** Set on a shared store: which pools this process decides, and their fences. */
    private readonly ownership: PoolOwnership | null = null,
    onFailure: CommitFailureHook = async () => {},
  ) {
    this.committer = new GroupCommitter(
      store,
      async (err) => {
        await pools.reloadAfterFailure();
        await onFailure(err);
      },
      store.commitGroupSize,
    );
  }

  /** True when this process decides the pool (always, alone on its store). */
  owns(moduleId: number): boolean {
    return this.ownership?.owns(moduleId) ?? true;
  }

  /** Decides an operation on memory (once no reload after a failed commit is under way), then group-commits it. */
  async decide<T>(fn: () => Decided<T>): Promise<Outcome<T>> {
    while (this.pools.recovering) await this.pools.recovering.catch(() => undefined);
    const r = fn();
    await this.persist(r.d, r.idem, r.audit);
    return r.d.outcome;
  }

  /**
   * Decides `op` on each of `pools` in one transaction: their changes and events as one decision. Pools another
   * process decides only take the change in memory (what this process shows of them); their owner commits it.
   */
  async decideEach(
    pools: PoolState[],
    op: (pool: PoolState, now: number) => Pick<Decision<unknown>, 'changes' | 'events'>,
  ): Promise<void> {
    const mine = pools.filter((p) => this.owns(p.module.id));
    for (const pool of pools) if (!this.owns(pool.module.id)) op(pool, this.clock.now());
    if (!mine.length) return;
    await this.decide(() => {
      const now = this.clock.now();
      const all: Decision<null> = { outcome: ok(null), changes: [], events: [] };
      for (const pool of mine) {
        const d = op(pool, now);
        all.changes.push(...d.changes);
        all.events.push(...d.events);
      }
      return { d: all, idem: null, audit: null };
    });
  }

  /** Group-commits a decision made on memory (the embedded store's hot path), then announces its events. */
  async persist(
    d: Decision<unknown>,
    idem: IdempotencyRecord | null = null,
    audit: NewAuditRecord | null = null,
  ): Promise<void> {
    const batch = this.batchOf(d, idem, audit);
    if (!batch) return;
    // On a failed commit this rejects, and the committer has put memory back to what the store holds.
    const seqs = await this.committer.submit(batch);
    this.feed.announceCommitted(batch.events, seqs);
  }

  /** Stores events of other subsystems (hierarchy sync, allocations) with an optional audit entry, then announces them. */
  async publish(events: PublishedEvent[], audit?: NewAuditRecord): Promise<void> {
    const d: Decision<null> = {
      outcome: ok(null),
      changes: [],
      events: events.map((e) => ({ ...e, type: e.type as DomainEvent['type'], moduleId: e.moduleId ?? 0 })),
    };
    await this.persist(d, null, audit ?? null);
  }

  /** Waits for queued commits. */
  async drain(): Promise<void> {
    await this.committer.drain();
  }

  private batchOf(
    d: Decision<unknown>,
    idem: IdempotencyRecord | null,
    audit: NewAuditRecord | null,
  ): CommitBatch | null {
    if (!d.changes.length && !d.events.length && !idem && !audit) return null;
    const at = this.clock.now();
    const events: NewEvent[] = d.events.map((e: DomainEvent) => ({
      type: e.type,
      moduleId: e.moduleId || null,
      subject: e.subject,
      data: e.data ?? null,
      at,
    }));
    const batch: CommitBatch = {
      changes: d.changes,
      events,
      idempotency: idem ? [idem] : [],
      audit: audit ? [audit] : [],
    };
    if (this.ownership && d.changes.length) batch.fence = this.ownership.fence(changedPools(d.changes));
    return batch;
  }
}

/** The pools a decision's changes touch. */
function changedPools(changes: Decision<unknown>['changes']): Set<number> {
  const ids = new Set<number>();
  for (const ch of changes) {
    if (ch.kind === 'lease.put') ids.add(ch.lease.moduleId);
    else if (ch.kind === 'member.put') ids.add(ch.member.moduleId);
    else if (ch.kind === 'quota.put') ids.add(ch.quota.moduleId);
    else ids.add(ch.moduleId);
  }
  return ids;
}
