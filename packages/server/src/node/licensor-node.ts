import {
  acquireLease,
  type Catalog,
  checkFeatureProfile,
  createPool,
  type Decision,
  detachSession,
  type DomainEvent,
  expireLeases,
  expireMembers,
  forceReleaseLease,
  heartbeatLease,
  isOperationAllowed,
  joinMember,
  nextExpiry,
  refillPools,
  type Lease,
  type PoolState,
  releaseLease,
  remainingQuantities,
  removeMember,
  reportQuota,
  sameLicensedFeatures,
  setPoolQuantity,
  summarizePool,
} from '@licensor/core';
import { type Failure, fail, type LicensePayload, newId, ok, type Outcome } from '@licensor/protocol';
import {
  type AuditActor,
  type CommitBatch,
  eventId,
  type IdempotencyRecord,
  type NewAuditRecord,
  type NewEvent,
  type StoredEvent,
  type Store,
} from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { effectiveCatalog, serverApplications } from './effective-catalog.js';
import { serverApplicationRefusal } from './server-application-refusal.js';
import {
  type HardwareKeyChange,
  type HardwareKeyPresence,
  HardwareKeyWatch,
  type HardwareKeyWatchOptions,
  UNWATCHED,
} from './hardware-key-watch.js';
import { DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS, LicenseClock } from './license-clock.js';
import type { NodeHardwareKey } from './node-hardware-key.js';
import { allocationForNode, verifyLicenseForNode } from './verify-for-node.js';
import { combineGrants, evaluateNodeLicense, type HeldAllocation, type NodeLicenseStateName } from './grant-sources.js';
import { GroupCommitter } from './group-committer.js';
import { SharedPoolGateway } from './shared-pool-gateway.js';
import type { InstalledLicense } from './license-state.js';
import type { Logger } from '../log/logger.js';

/** What a node needs to run. */
export interface NodeOptions {
  store: Store;
  /** The node's local catalog: it names modules for display and may tighten the licensed terms, never loosen them. */
  catalog: Catalog;
  clock: Clock;
  hardwareKey: NodeHardwareKey;
  /** The server application this node runs (`--application`, e.g. 1002 Data Server); null: any the license names. */
  application?: number | null;
  /** Re-reads the USB drive the key came from; null or absent: no watch (a key from the machine id or given by hand). */
  hardwareKeyWatch?: HardwareKeyWatchOptions | null;
  issuerPublicKey: string | null;
  /** How long a dropped SDK session's leases survive, waiting for the device to come back. */
  sessionGraceMs: number;
  /** How far the clock may fall behind the latest time the node has seen before it counts as rolled back (default 5 min). */
  clockRollbackToleranceMs?: number;
  /** Where warnings go (a rolled-back clock); default: nowhere. */
  log?: Logger;
}

/** Options of one client operation. */
export interface OpContext {
  /** Recorded in the same transaction as the operation, built from its outcome. */
  idempotency?: (outcome: Outcome<unknown>) => IdempotencyRecord | null;
  /** Who asked, for admin actions: their audit entry is written in the same transaction as the operation. */
  actor?: AuditActor;
}

type Listener = (event: StoredEvent) => void;

/** An operation's decision with the records written in its transaction. */
interface Decided<T> {
  d: Decision<T>;
  idem: IdempotencyRecord | null;
  audit: NewAuditRecord | null;
}

const LICENSED: Outcome<true> = ok(true);
const NO_FEATURES: ReadonlySet<number> = new Set();

/** Events about the deployment's license that each process notices by its own clock, recorded once on a shared store. */
const ONCE_PER_DEPLOYMENT = new Set<string>(['license.expired', 'license.activated', 'allocation.expired']);

/** The refusal for a module ID the node's catalog does not have. */
function unknownModule(moduleId: number) {
  return fail('MODULE_UNKNOWN', `module ${moduleId} is not in this node's catalog`, { field: 'moduleId' });
}

/** True when a pool holds a lease past its expiry or a BLOCK_LATEST member silent past its limit. */
function somethingDue(pool: PoolState, now: number): boolean {
  const expiry = nextExpiry(pool);
  if (expiry !== null && expiry <= now) return true;
  const silentAfter =
    pool.module.policy.strategy === 'BLOCK_LATEST' ? pool.module.policy.memberInactiveAfterSeconds : null;
  if (silentAfter === null) return false;
  for (const m of pool.members.values()) if (m.lastSeenAt + silentAfter * 1000 <= now) return true;
  return false;
}

/**
 * A Licensor node: its license, catalog and pools. Pool state lives in memory and is decided by the pure core;
 * every change is made durable by group commit before the caller is answered.
 */
export class LicensorNode {
  /** What the node enforces per module: the licensed terms, renamed and tightened by the local catalog. */
  private current: Catalog;
  readonly clock: Clock;
  readonly store: Store;
  readonly committer: GroupCommitter;
  /** Set when the store is shared by several processes: pool operations then decide under the database's locks. */
  private readonly shared: SharedPoolGateway | null;
  private stopFollowing: (() => Promise<void>) | null = null;
  private refreshTimer: NodeJS.Timeout | null = null;
  private readonly pools = new Map<number, PoolState>();
  private granted = new Map<number, number | null>();
  /** What the license and the allocation from the parent give, before this node's own children take their share. */
  private held = new Map<number, number | null>();
  /** Quantities handed down to child nodes, per module. */
  private allocatedOut = new Map<number, number>();
  /** The allocation this node received from its parent, if it is a child node. */
  private allocation: HeldAllocation | null = null;
  /** Set while the parent blocks this node (beyond its subordinate-server limit): only a license of its own serves. */
  private blockedBy: string | null = null;
  private installed: InstalledLicense | null = null;
  private readonly listeners = new Set<Listener>();
  private lastLicenseState: string | null = null;
  private validFrom = Number.POSITIVE_INFINITY;
  private validUntil = Number.NEGATIVE_INFINITY;
  /** When a source of grants next starts or ends: the pools are re-sized then (see combineGrants). */
  private grantsChangeAt = Number.POSITIVE_INFINITY;
  private regranting: Promise<void> | null = null;
  /** The time licenses are judged at: max(wall clock, a high-water mark moved by monotonic time; persisted). */
  private readonly time: LicenseClock;
  /** Why the node may not serve although its license is valid (no server application, drive gone), or null. */
  private refusal: Failure | null = null;
  /** Set when the allocation held chains to a developer license. */
  private allocationFromDeveloper = false;
  /** Why an allocation from the parent was not taken (its license's key source), for the license state. */
  private allocationProblem: string | null = null;
  /** What the local catalog could not apply to the licensed terms, as last logged. */
  private catalogNotes = new Set<string>();
  /** The USB drive watch, for a node whose key was read from a drive. */
  private drive: HardwareKeyWatch | null = null;

  constructor(readonly options: NodeOptions) {
    this.current = options.catalog;
    this.clock = options.clock;
    this.time = new LicenseClock(
      options.clock,
      options.clockRollbackToleranceMs ?? DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS,
      (message, data) => options.log?.warn(data, message),
    );
    this.store = options.store;
    this.committer = new GroupCommitter(options.store, () => this.reloadPools(), options.store.commitGroupSize);
    this.shared = options.store.shared
      ? new SharedPoolGateway(options.store.shared, this.pools, {
          installedAt: () => this.installed?.installedAt ?? null,
          reload: () => this.reloadLicense(),
        })
      : null;
    for (const m of this.catalog.modules.values()) this.pools.set(m.id, createPool(m, 0));
  }

  /** Loads the stored license and pool state; call once before serving. */
  async start(): Promise<void> {
    await this.store.migrate();
    // Other processes' events: taken from the head before loading, so nothing committed meanwhile is missed.
    const head = this.store.shared ? await this.store.shared.headSeq() : 0;
    await this.time.load(this.store);
    const stored = await this.store.getLicense();
    if (stored) {
      const v = this.verify(stored.text, true);
      if (v.ok) this.installed = { ...v.value, text: stored.text, installedAt: stored.installedAt };
      else this.options.log?.warn({ code: v.code }, `the stored license is not used: ${v.message}`);
    }
    this.refreshCatalog();
    await this.reloadPools();
    await this.applyGrants();
    if (this.options.hardwareKeyWatch && this.options.hardwareKey.source === 'usb') {
      this.drive = new HardwareKeyWatch(
        this.options.hardwareKey.key,
        this.options.hardwareKeyWatch,
        () => this.licenseNow(),
        (change) => this.keyChanged(change),
      );
      this.drive.start();
    }
    if (this.store.shared) this.stopFollowing = this.store.shared.follow(head, (events) => this.foreignEvents(events));
  }

  /**
   * Events other processes committed to the shared store: handed to this process's subscribers (SDK sessions, live
   * feeds), a license another process installed is loaded here too, and pool views are refreshed soon after.
   */
  private async foreignEvents(events: StoredEvent[]): Promise<void> {
    let touched = false;
    for (const e of events) {
      if (e.type === 'license.installed') await this.reloadLicense().catch(() => undefined);
      if (e.moduleId) touched = true;
      this.emit(e);
    }
    if (touched && !this.refreshTimer) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = null;
        this.reloadPools().catch(() => undefined);
      }, 250);
      this.refreshTimer.unref();
    }
  }

  /** Loads the license the store holds (another process installed it) and re-sizes the pools. */
  private async reloadLicense(): Promise<void> {
    const stored = await this.store.getLicense();
    if (!stored) return;
    if (this.installed && stored.text === this.installed.text) {
      this.installed = { ...this.installed, installedAt: stored.installedAt };
      return;
    }
    const v = this.verify(stored.text, true);
    if (!v.ok) return;
    this.installed = { ...v.value, text: stored.text, installedAt: stored.installedAt };
    await this.applyGrants();
  }

  /** Replaces in-memory pool state with what the store holds (start, and after a failed commit). */
  private async reloadPools(): Promise<void> {
    refillPools(this.pools, await this.store.loadPools());
  }

  /** Subscribes to committed events; returns the unsubscribe function. */
  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the node enforces per module: the licensed terms, renamed and tightened by the local catalog. */
  get catalog(): Catalog {
    return this.current;
  }

  /** The installed license, if any. */
  get license(): InstalledLicense | null {
    return this.installed;
  }

  /**
   * True when the installed license, or the license the allocation in use chains to, is a developer license: every
   * answer is non-production (a developer license handed down to a site is still a developer license).
   */
  get nonProduction(): boolean {
    return (
      Boolean(this.installed?.payload.developer) ||
      (this.allocationFromDeveloper && this.allocation !== null && !this.blockedBy)
    );
  }

  /** The license state now (at the latest time the node has seen when the clock was rolled back). */
  licenseState(): { state: NodeLicenseStateName; detail: string } {
    const s = evaluateNodeLicense(this.installed, this.allocation, this.blockedBy, this.licenseNow());
    if (s.state === 'missing' && this.allocationProblem) return { state: 'missing', detail: this.allocationProblem };
    const app = s.state === 'valid' ? this.applicationRefusal() : null;
    return app ? { state: 'missing', detail: app.message } : s;
  }

  /** The allocation received from the parent node, if any. */
  get heldAllocation(): HeldAllocation | null {
    return this.allocation;
  }

  /** What this node holds per module (license plus allocation), before its children's shares (null = unlimited). */
  get heldQuantities(): ReadonlyMap<number, number | null> {
    return this.held;
  }

  /** Takes a verified allocation from the parent (or drops it with null) and re-sizes the pools. */
  async setAllocation(allocation: HeldAllocation | null): Promise<void> {
    const taken = allocation
      ? allocationForNode(allocation, this.options)
      : { allocation: null, fromDeveloper: false, problem: null };
    this.allocation = taken.allocation;
    this.allocationFromDeveloper = taken.fromDeveloper;
    this.allocationProblem = taken.problem;
    if (taken.problem) this.options.log?.warn({ code: 'KEY_SOURCE_MISMATCH' }, taken.problem);
    await this.applyGrants();
  }

  /** Records what this node's children were allocated; its own pools keep the rest. */
  async setAllocatedOut(allocatedOut: Map<number, number>): Promise<void> {
    this.allocatedOut = allocatedOut;
    await this.applyGrants();
  }

  /**
   * Marks this node as blocked by its parent (a sentence saying why), or served again (null). While blocked, the
   * allocation counts for nothing, even one not yet withdrawn; work under a license of its own continues.
   */
  async setBlockedBy(reason: string | null): Promise<void> {
    this.blockedBy = reason;
    await this.applyGrants();
  }

  /** Why the parent blocks this node, or null. */
  get blockedByParent(): string | null {
    return this.blockedBy;
  }

  /** The clock rollback in effect, if any: the clock reads `now`, the node has already seen `latestSeen`. */
  get clockRollback(): { now: number; latestSeen: number } | null {
    return this.time.rollback;
  }

  /**
   * The time license validity is judged at: the clock, unless it reads earlier than the latest time the node has seen
   * by more than the tolerance — then that latest time, so a rolled-back clock gives a temporary license no extra time.
   */
  private licenseNow(): number {
    return this.time.now();
  }

  /** Verifies a license file for this node: issuer signature, hardware key and its source, the signed module terms. */
  private verify(text: string, ignoreTime: boolean): Outcome<{ payload: LicensePayload; terms: Catalog }> {
    return verifyLicenseForNode(text, this.options, ignoreTime ? null : this.licenseNow());
  }

  /** Whether the stored license (if any) can be used by this node; the reason when it cannot (checked at start). */
  storedLicenseProblem(text: string): Failure | null {
    const v = this.verify(text, true);
    return v.ok ? null : v;
  }

  /**
   * Verifies a license file against the issuer key and this node's hardware key, then installs it. `actor` is who
   * installs it (a token, or a name such as `cli`); the audit entry is written in the same transaction.
   */
  async installLicense(text: string, actor: string | AuditActor): Promise<Outcome<InstalledLicense>> {
    const v = this.verify(text, false);
    if (!v.ok) return v;
    const now = this.clock.now();
    const who: AuditActor = typeof actor === 'string' ? { tokenId: null, name: actor } : actor;
    const by = who.tokenId ? `${who.name} (${who.tokenId})` : who.name;
    const lic = v.value.payload;
    const installed = { ...v.value, text, installedAt: now };
    const details = {
      customer: lic.customer.name,
      scope: lic.scope,
      notAfter: lic.notAfter,
      developer: lic.developer?.id ?? null,
      keySource: lic.keySource,
    };
    const event: NewEvent = {
      type: 'license.installed',
      moduleId: null,
      subject: lic.id,
      data: { by, ...details },
      at: now,
    };
    const seq = await this.store.putLicense(text, now, event, {
      id: newId('aud'),
      at: now,
      actor: who,
      action: 'license.installed',
      target: lic.id,
      details,
    });
    this.installed = installed;
    await this.applyGrants();
    // Live subscribers get the event exactly as the feed stores it (same id, sequence and data).
    this.emit({ ...event, seq, id: eventId(seq) });
    return ok(installed);
  }

  /**
   * Rebuilds what the node enforces from its license and allocation: module definitions (pools take the new terms,
   * modules new to the node get a pool filled from the store) and whether a server application is held.
   */
  private refreshCatalog(): number[] {
    const { catalog, notes } = effectiveCatalog(
      this.options.catalog,
      this.installed?.terms ?? null,
      this.allocation?.terms ?? null,
    );
    // Rebuilt at every grant change (each sync of a site): a note is logged when it is new, not every minute.
    for (const note of notes) if (!this.catalogNotes.has(note)) this.options.log?.warn(note);
    this.catalogNotes = new Set(notes);
    this.current = catalog;
    const added: number[] = [];
    for (const m of catalog.modules.values()) {
      const pool = this.pools.get(m.id);
      if (pool) pool.module = m;
      else {
        this.pools.set(m.id, createPool(m, 0));
        added.push(m.id);
      }
    }
    return added;
  }

  /** Recomputes pool quantities from the license (after install, renewal or expiry). */
  private async applyGrants(): Promise<void> {
    const added = this.refreshCatalog();
    if (added.length) refillPools(this.pools, await this.store.loadPools(), added);
    this.held = this.refreshWindow();
    this.refusal = this.applicationRefusal() ?? this.keyRefusal();
    this.granted = remainingQuantities(this.held, this.allocatedOut);
    const quantity = (id: number) => (this.granted.has(id) ? (this.granted.get(id) ?? null) : 0);
    const features = this.licensedFeatures();
    const addOns = (id: number) => features.get(id) ?? NO_FEATURES;
    const resized = [...this.pools.values()].filter(
      (pool) => pool.quantity !== quantity(pool.module.id) || !sameLicensedFeatures(pool, addOns(pool.module.id)),
    );
    if (!resized.length) return;
    await this.decide(
      resized.map((p) => p.module.id),
      () => {
        const now = this.clock.now();
        const all: Decision<null> = { outcome: ok(null), changes: [], events: [] };
        for (const pool of resized) {
          const d = setPoolQuantity(pool, quantity(pool.module.id), now, addOns(pool.module.id));
          all.changes.push(...d.changes);
          all.events.push(...d.events);
        }
        return { d: all, idem: null, audit: null };
      },
    );
  }

  /** Recomputes the serving window from the license and the allocation; returns what they hold together. */
  private refreshWindow(): Map<number, number | null> {
    // A node its parent blocks serves on its own license only; without one, licensed() says why it refuses.
    const { held, validFrom, validUntil, changesAt } = combineGrants(
      this.installed,
      this.blockedBy ? null : this.allocation,
      this.licenseNow(),
    );
    this.validFrom = validFrom;
    this.validUntil = validUntil;
    this.grantsChangeAt = changesAt;
    return held;
  }

  /** Re-sizes the pools once a source of grants has started or ended (an allocation expiring beside a license). */
  private async regrantIfDue(): Promise<void> {
    if (this.grantsChangeAt === Number.POSITIVE_INFINITY || this.licenseNow() < this.grantsChangeAt) return;
    this.regranting ??= this.applyGrants().finally(() => {
      this.regranting = null;
    });
    await this.regranting;
  }

  /** Why the node may not serve for want of its server application (see serverApplicationRefusal), or null. */
  private applicationRefusal(): Failure | null {
    // Blocked by its parent with no license of its own: refused for the block (SYNC_BLOCKED says why), not for this.
    if (this.blockedBy && !this.installed) return null;
    const signed = [this.installed?.terms ?? null, this.blockedBy ? null : (this.allocation?.terms ?? null)];
    return serverApplicationRefusal(
      serverApplications(signed),
      this.options.application ?? null,
      this.held,
      this.current,
    );
  }

  /** Why the node may not serve because its USB drive has been gone past the grace period, or null. */
  private keyRefusal(): Failure | null {
    return this.drive?.refusal() ?? null;
  }

  /** The drive went or came back: refusals follow at once, the event is written by the next reap. */
  private keyChanged(change: HardwareKeyChange): void {
    const message =
      change.type === 'hardware_key.lost'
        ? 'the licensed USB drive is gone: the node serves until the grace period ends'
        : 'the licensed USB drive is back';
    this.options.log?.warn({ hardwareKey: this.options.hardwareKey.key }, message);
    this.refusal = this.applicationRefusal() ?? this.keyRefusal();
  }

  /** The USB drive watch as status shows it: whether the drive is there, since when it is gone, when serving stops. */
  get hardwareKeyPresence(): HardwareKeyPresence {
    return this.drive?.presence ?? UNWATCHED;
  }

  /** Looks for the USB drive now (the watch also does so on its interval). */
  checkHardwareKey(): void {
    this.drive?.check();
  }

  /** Refuses client work without a valid license. */
  private licensed(): Outcome<true> {
    // Hot path: a plain comparison of numbers; the sentence for a refusal is built only when refusing.
    const now = this.licenseNow();
    if (this.refusal === null && this.drive?.missing) this.refusal = this.keyRefusal();
    // Inside the serving window the node may still lack its server application or its drive; outside it, the license
    // state says why more precisely (an allocation that ended is LICENSE_EXPIRED, not a missing application).
    if (now >= this.validFrom && now < this.validUntil) return this.refusal ?? LICENSED;
    const s = this.licenseState();
    if (s.state === 'valid') return ok(true);
    if (s.state === 'blocked') return fail('SYNC_BLOCKED', s.detail);
    if (s.state === 'missing')
      return fail('LICENSE_MISSING', `${s.detail}: client work is refused until a license is installed`);
    if (s.state === 'not_yet_valid') return fail('LICENSE_NOT_YET_VALID', s.detail);
    return fail('LICENSE_EXPIRED', `${s.detail}: client work is refused until the license is renewed`);
  }

  /** The pool of a module, if the module is known and licensed. */
  private pool(moduleId: number): Outcome<PoolState> {
    const pool = this.pools.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    if (!this.granted.has(moduleId)) {
      const why = this.blockedBy ? ` (the parent withdrew this node's allocation: ${this.blockedBy})` : '';
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
    await this.regrantIfDue();
    const lic = this.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    if (!pool.ok) return pool;
    const p = pool.value;
    if (this.shared) return this.decide([moduleId], () => this.decided(op(p, this.clock.now()), ctx, null));
    const d = op(p, this.clock.now());
    await this.persist(d, ctx.idempotency?.(d.outcome) ?? null);
    return d.outcome;
  }

  private decided<T>(d: Decision<T>, ctx: OpContext, audit: NewAuditRecord | null): Decided<T> {
    return { d, idem: ctx.idempotency?.(d.outcome) ?? null, audit };
  }

  /**
   * Decides and persists an operation on the pools of `moduleIds`. Alone on its store (SQLite) the node decides on
   * memory and group-commits; on a shared store (PostgreSQL) it decides inside a transaction holding those pools'
   * locks, on the state just read, so several processes never decide on stale counts.
   */
  private async decide<T>(moduleIds: readonly number[], fn: () => Decided<T>): Promise<Outcome<T>> {
    if (!this.shared) {
      const r = fn();
      await this.persist(r.d, r.idem, r.audit);
      return r.d.outcome;
    }
    let result: Decided<T> | null = null;
    let events: NewEvent[] = [];
    const seqs = await this.shared.execute(moduleIds, () => {
      const r = fn();
      result = r;
      const batch = this.batchOf(r.d, r.idem, r.audit);
      events = batch?.events ?? [];
      return batch;
    });
    this.announceCommitted(events, seqs);
    return (result as unknown as Decided<T>).d.outcome;
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

  private async persist(
    d: Decision<unknown>,
    idem: IdempotencyRecord | null = null,
    audit: NewAuditRecord | null = null,
  ): Promise<void> {
    const batch = this.batchOf(d, idem, audit);
    if (!batch) return;
    // On a failed commit this rejects, and the committer has put memory back to what the store holds.
    const seqs = await this.committer.submit(batch);
    this.announceCommitted(batch.events, seqs);
  }

  private announceCommitted(events: NewEvent[], seqs: number[]): void {
    // The event objects are ours alone: completing them in place saves a copy per event on the hot path.
    for (let i = 0; i < events.length; i++) {
      const stored = events[i] as StoredEvent;
      stored.seq = seqs[i] ?? 0;
      stored.id = eventId(stored.seq);
      this.emit(stored);
    }
  }

  private emit(event: StoredEvent): void {
    for (const l of this.listeners) l(event);
  }

  /** Stores events of other subsystems (hierarchy sync, allocations) with an optional audit entry, then announces them. */
  async publish(
    events: { type: string; moduleId?: number; subject: string; data?: Record<string, unknown> }[],
    audit?: NewAuditRecord,
  ): Promise<void> {
    const d: Decision<null> = {
      outcome: ok(null),
      changes: [],
      events: events.map((e) => ({ ...e, type: e.type as DomainEvent['type'], moduleId: e.moduleId ?? 0 })),
    };
    await this.persist(d, null, audit ?? null);
  }

  /** Hands events another transaction already stored (billing, rentals) to the live subscribers of the feed. */
  announce(events: StoredEvent[]): void {
    for (const e of events) this.emit(e);
  }

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
      const shape = checkFeatureProfile(this.catalog, () => true, moduleId, features);
      if (!shape.ok) return shape;
    }
    return this.run(
      moduleId,
      (pool, now) => joinMember(pool, { memberId, ...(features ? { features } : {}) }, now),
      ctx,
    );
  }

  /** Per application, the add-on features the license grants (what a member's profile may enable). */
  private licensedFeatures(): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    for (const id of this.granted.keys()) {
      const m = this.catalog.modules.get(id);
      if (m?.kind !== 'feature' || m.extends === undefined) continue;
      const set = out.get(m.extends) ?? new Set<number>();
      set.add(id);
      out.set(m.extends, set);
    }
    return out;
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
    const lic = this.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    return pool.ok ? isOperationAllowed(pool.value, operation) : pool;
  }

  /** Checks a register profile's add-on features against the license. */
  checkProfile(moduleId: number, features: number[]) {
    const lic = this.licensed();
    if (!lic.ok) return lic;
    const pool = this.pool(moduleId);
    if (!pool.ok) return pool;
    return checkFeatureProfile(this.catalog, (id) => this.granted.has(id), moduleId, features);
  }

  /** Whether a module is licensed (and the license valid) on this node. */
  isEnabled(moduleId: number): Outcome<{ enabled: boolean; reason?: string; code?: string }> {
    if (!this.pools.has(moduleId)) return unknownModule(moduleId);
    const lic = this.licensed();
    if (!lic.ok) return ok({ enabled: false, code: lic.code, reason: lic.message });
    const pool = this.pool(moduleId);
    return ok(pool.ok ? { enabled: true } : { enabled: false, code: pool.code, reason: pool.message });
  }

  /** Operations that must work without a license too: giving slots back is never refused. */
  private async runUnlicensed<T>(
    moduleId: number,
    op: (pool: PoolState, now: number) => Decision<T>,
    ctx: OpContext = {},
    audit?: Pick<NewAuditRecord, 'action' | 'target' | 'details'>,
  ): Promise<Outcome<T>> {
    const pool = this.pools.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    const decideOp = (): Decided<T> => {
      const now = this.clock.now();
      const d = op(pool, now);
      // An admin action that took effect is audited in the same transaction as its changes.
      const entry =
        audit && ctx.actor && d.outcome.ok ? { id: newId('aud'), at: now, actor: ctx.actor, ...audit } : null;
      return this.decided(d, ctx, entry);
    };
    return this.decide([moduleId], decideOp);
  }

  /** A dropped SDK session: its leases live on for the grace period unless the same device comes back. */
  async detachSession(sessionId: string): Promise<void> {
    const held = [...this.pools.values()].filter((pool) =>
      [...pool.leases.values()].some((l) => l.sessionId === sessionId),
    );
    if (!held.length) return;
    await this.decide(
      held.map((p) => p.module.id),
      () => {
        const now = this.clock.now();
        const all: Decision<null> = { outcome: ok(null), changes: [], events: [] };
        for (const pool of held) {
          const d = detachSession(pool, sessionId, this.options.sessionGraceMs, now);
          all.changes.push(...d.changes);
          all.events.push(...d.events);
        }
        return { d: all, idem: null, audit: null };
      },
    );
  }

  /** Frees expired leases, drops long-silent members and notices license expiry; run by the reaper timer. */
  async reap(): Promise<number> {
    await this.regrantIfDue();
    const all: Decision<null> = { outcome: ok(null), changes: [], events: [] };
    const state = this.licenseState().state;
    if (this.drive) all.events.push(...this.drive.takeEvents());
    const rolledBack = this.time.takeRollbackEvent();
    if (rolledBack) all.events.push(rolledBack);
    if (state !== this.lastLicenseState) {
      if (
        state === 'expired' &&
        this.allocation &&
        this.allocation.payload.notAfter &&
        this.clock.now() >= Date.parse(this.allocation.payload.notAfter)
      ) {
        all.events.push({
          type: 'allocation.expired' as DomainEvent['type'],
          moduleId: 0,
          subject: this.allocation.payload.id,
          data: { notAfter: this.allocation.payload.notAfter, parent: this.allocation.payload.parent.nodeId },
        });
      } else if (state === 'expired' && this.installed)
        all.events.push({
          type: 'license.expired' as DomainEvent['type'],
          moduleId: 0,
          subject: this.installed.payload.id,
          data: { notAfter: this.installed.payload.notAfter },
        });
      // A license installed ahead of its start date becomes valid with time alone: say so, so sessions hear it.
      if (state === 'valid' && this.lastLicenseState === 'not_yet_valid' && this.installed)
        all.events.push({
          type: 'license.activated' as DomainEvent['type'],
          moduleId: 0,
          subject: this.installed.payload.id,
          data: { notBefore: this.installed.payload.notBefore },
        });
      this.lastLicenseState = state;
      if (this.store.shared && all.events.length) all.events = await this.firstToSay(all.events);
    }
    // Shared store: which pools to lock comes from a fresh read (only those with something due, so the reaper does not
    // hold every pool's lock each second); what expires is decided under the locks, on the state read inside them, so
    // two processes reaping at once expire each lease once.
    if (this.shared) await this.reloadPools();
    const now = this.clock.now();
    const busy = [...this.pools.values()].filter((p) =>
      this.shared
        ? somethingDue(p, now)
        : p.leases.size || p.tombstones.size || (p.members.size && p.module.policy.strategy === 'BLOCK_LATEST'),
    );
    let count = 0;
    await this.decide(
      busy.map((p) => p.module.id),
      () => {
        const at = this.clock.now();
        const pooled: Decision<null> = { outcome: ok(null), changes: [...all.changes], events: [...all.events] };
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
      },
    );
    await this.persistLatestSeen();
    return count;
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

  /** Writes the time high-water mark to the store's meta table (when it moved by a second or more). */
  private async persistLatestSeen(): Promise<void> {
    await this.time.persist(this.store);
  }

  /** Summaries of every pool. */
  listPools() {
    const now = this.clock.now();
    return [...this.pools.values()]
      .filter((p) => this.granted.has(p.module.id) || p.leases.size || p.members.size)
      .map((p) => ({ ...summarizePool(p, now), licensed: this.granted.has(p.module.id) }));
  }

  /** One pool with its holders, members and quota. */
  poolDetail(moduleId: number): Outcome<{ pool: PoolState; summary: ReturnType<typeof summarizePool> }> {
    const pool = this.pools.get(moduleId);
    if (!pool) return unknownModule(moduleId);
    return ok({ pool, summary: summarizePool(pool, this.clock.now()) });
  }

  /** Leases held by a session (to re-announce after reconnect and to route pushes). */
  leasesOf(sessionId: string): Lease[] {
    const out: Lease[] = [];
    for (const pool of this.pools.values())
      for (const l of pool.leases.values()) if (l.sessionId === sessionId) out.push(l);
    return out;
  }

  /** Stops accepting work and waits for queued commits. */
  async close(): Promise<void> {
    this.drive?.stop();
    await this.shared?.drain();
    await this.committer.drain();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.stopFollowing?.();
    this.licenseNow();
    await this.persistLatestSeen().catch(() => {});
    await this.store.close();
  }
}
