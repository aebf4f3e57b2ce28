import type { Decision, DomainEvent, PoolState } from '@licensor/core';
import { ok, type Outcome } from '@licensor/protocol';
import type { CommitBatch, IdempotencyRecord, NewAuditRecord, NewEvent, Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { EventFeed } from './event-feed.js';
import { GroupCommitter } from './group-committer.js';
import type { PoolTable } from './pool-table.js';
import { type LicenseView, SharedPoolGateway } from './shared-pool-gateway.js';

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

/**
 * Makes decisions durable before anyone is answered. Alone on its store (SQLite) the node decides on memory and
 * group-commits; on a shared store (PostgreSQL) it decides inside a transaction holding those pools' locks, on the
 * state just read, so several processes never decide on stale counts. Committed events go to the feed.
 */
export class DecisionRunner implements EventPublisher {
  readonly committer: GroupCommitter;
  /** Set when the store is shared by several processes: pool operations then decide under the database's locks. */
  readonly shared: SharedPoolGateway | null;

  constructor(
    store: Store,
    private readonly clock: Clock,
    private readonly feed: EventFeed,
    private readonly pools: PoolTable,
    license: LicenseView,
  ) {
    this.committer = new GroupCommitter(store, () => pools.reloadAfterFailure(), store.commitGroupSize);
    this.shared = store.shared ? new SharedPoolGateway(store.shared, pools.all, license) : null;
  }

  /** Decides and persists an operation on the pools of `moduleIds` (see the class comment for how). */
  async decide<T>(moduleIds: readonly number[], fn: () => Decided<T>): Promise<Outcome<T>> {
    if (!this.shared) {
      const r = fn();
      await this.persist(r.d, r.idem, r.audit);
      return r.d.outcome;
    }
    let result: Decided<T> | null = null;
    let events: NewEvent[] = [];
    const seqs = await this.shared
      .execute(moduleIds, () => {
        const r = fn();
        result = r;
        const batch = this.batchOf(r.d, r.idem, r.audit);
        events = batch?.events ?? [];
        return batch;
      })
      .catch((err: unknown) => {
        // The next operation reads the pools' rows again, but their quantity and add-ons stay as Grants set them.
        for (const id of moduleIds) this.pools.unsettled.add(id);
        throw err;
      });
    this.feed.announceCommitted(events, seqs);
    return (result as unknown as Decided<T>).d.outcome;
  }

  /** Decides `op` on each of `pools` in one transaction: their changes and events as one decision. */
  async decideEach(
    pools: PoolState[],
    op: (pool: PoolState, now: number) => Pick<Decision<unknown>, 'changes' | 'events'>,
  ): Promise<void> {
    await this.decide(
      pools.map((p) => p.module.id),
      () => {
        const now = this.clock.now();
        const all: Decision<null> = { outcome: ok(null), changes: [], events: [] };
        for (const pool of pools) {
          const d = op(pool, now);
          all.changes.push(...d.changes);
          all.events.push(...d.events);
        }
        return { d: all, idem: null, audit: null };
      },
    );
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
    await this.shared?.drain();
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
    return { changes: d.changes, events, idempotency: idem ? [idem] : [], audit: audit ? [audit] : [] };
  }
}
