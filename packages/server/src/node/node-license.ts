import type { Catalog, DomainEvent } from '@licensor/core';
import { type Failure, fail, type LicensePayload, ok, type Outcome } from '@licensor/protocol';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { effectiveCatalog, serverApplications } from './effective-catalog.js';
import { combineGrants, evaluateNodeLicense, type HeldAllocation, type NodeLicenseStateName } from './grant-sources.js';
import {
  type HardwareKeyChange,
  type HardwareKeyPresence,
  HardwareKeyWatch,
  type HardwareKeyWatchOptions,
  UNWATCHED,
} from './hardware-key-watch.js';
import { DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS, LicenseClock } from './license-clock.js';
import type { InstalledLicense } from './license-state.js';
import type { NodeHardwareKey } from './node-hardware-key.js';
import { serverApplicationRefusal } from './server-application-refusal.js';
import { allocationForNode, verifyLicenseForNode } from './verify-for-node.js';

/** Who the node is, as its license is judged: catalog, keys, server application, clock. */
export interface NodeLicenseOptions {
  /** The node's local catalog: it names modules for display and may tighten the licensed terms, never loosen them. */
  catalog: Catalog;
  clock: Clock;
  hardwareKey: NodeHardwareKey;
  /** The server application this node runs (`--application`, e.g. 1002 Data Server); null: any the license names. */
  application?: number | null;
  /** Re-reads the USB drive the key came from; null or absent: no watch (a key from the machine id or given by hand). */
  hardwareKeyWatch?: HardwareKeyWatchOptions | null;
  issuerPublicKey: string | null;
  /** How far the clock may fall behind the latest time the node has seen before it counts as rolled back (default 5 min). */
  clockRollbackToleranceMs?: number;
  /** Where warnings go (a rolled-back clock); default: nowhere. */
  log?: Logger;
}

/** The license state as status, sessions and the hierarchy read it. */
export interface LicenseStatus {
  /** The installed license, if any. */
  readonly license: InstalledLicense | null;
  /** True when every answer is non-production (a developer license, or an allocation chaining to one). */
  readonly nonProduction: boolean;
  /** The license state now (at the latest time the node has seen when the clock was rolled back). */
  licenseState(): { state: NodeLicenseStateName; detail: string };
}

const LICENSED: Outcome<true> = ok(true);

/**
 * What the node may serve and why not: the installed license, the allocation from the parent, a block by the parent,
 * the serving window they make together, the catalog they sign, and refusals beside them (no server application, the
 * USB drive gone). Judged at a time a rolled-back clock cannot move back (LicenseClock).
 */
export class NodeLicense implements LicenseStatus {
  private installed: InstalledLicense | null = null;
  /** The allocation this node received from its parent, if it is a child node. */
  private allocation: HeldAllocation | null = null;
  /** Set when the allocation held chains to a developer license. */
  private allocationFromDeveloper = false;
  /** Why an allocation from the parent was not taken (its license's key source), for the license state. */
  private allocationProblem: string | null = null;
  /** Set while the parent blocks this node (beyond its subordinate-server limit): only a license of its own serves. */
  private blockedBy: string | null = null;
  private current: Catalog;
  /** What the local catalog could not apply to the licensed terms, as last logged. */
  private catalogNotes = new Set<string>();
  /** What the license and the allocation from the parent give, before this node's own children take their share. */
  private held = new Map<number, number | null>();
  private validFrom = Number.POSITIVE_INFINITY;
  private validUntil = Number.NEGATIVE_INFINITY;
  /** When a source of grants next starts or ends: the pools are re-sized then (see combineGrants). */
  private grantsChangeAt = Number.POSITIVE_INFINITY;
  /** Why the node may not serve although its license is valid (no server application, drive gone), or null. */
  private refusal: Failure | null = null;
  /** The time licenses are judged at: max(wall clock, a high-water mark moved by monotonic time; persisted). */
  private readonly time: LicenseClock;
  /** The USB drive watch, for a node whose key was read from a drive. */
  private drive: HardwareKeyWatch | null = null;

  constructor(readonly options: NodeLicenseOptions) {
    this.current = options.catalog;
    this.time = new LicenseClock(
      options.clock,
      options.clockRollbackToleranceMs ?? DEFAULT_CLOCK_ROLLBACK_TOLERANCE_MS,
      (message, data) => options.log?.warn(data, message),
    );
  }

  /** Loads the time high-water mark and the stored license (a license this node may not use is logged and left). */
  async load(store: Store): Promise<void> {
    await this.time.load(store);
    const stored = await store.getLicense();
    if (!stored) return;
    const v = this.verify(stored.text, true);
    if (v.ok) this.installed = { ...v.value, text: stored.text, installedAt: stored.installedAt };
    else this.options.log?.warn({ code: v.code }, `the stored license is not used: ${v.message}`);
  }

  /** Starts watching the USB drive the key came from (when it came from one). */
  watchDrive(): void {
    if (!this.options.hardwareKeyWatch || this.options.hardwareKey.source !== 'usb') return;
    this.drive = new HardwareKeyWatch(
      this.options.hardwareKey.key,
      this.options.hardwareKeyWatch,
      () => this.now(),
      (change) => this.keyChanged(change),
    );
    this.drive.start();
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
    const s = evaluateNodeLicense(this.installed, this.allocation, this.blockedBy, this.now());
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
  now(): number {
    return this.time.now();
  }

  /** Verifies a license file for this node: issuer signature, hardware key and its source, the signed module terms. */
  verify(text: string, ignoreTime: boolean): Outcome<{ payload: LicensePayload; terms: Catalog }> {
    return verifyLicenseForNode(text, this.options, ignoreTime ? null : this.now());
  }

  /** Whether the stored license (if any) can be used by this node; the reason when it cannot (checked at start). */
  storedLicenseProblem(text: string): Failure | null {
    const v = this.verify(text, true);
    return v.ok ? null : v;
  }

  /** Takes a verified license as the installed one (call refresh, through Grants, next). */
  install(installed: InstalledLicense): void {
    this.installed = installed;
  }

  /** Takes a verified allocation from the parent, or drops it with null (call refresh, through Grants, next). */
  takeAllocation(allocation: HeldAllocation | null): void {
    const taken = allocation
      ? allocationForNode(allocation, this.options)
      : { allocation: null, fromDeveloper: false, problem: null };
    this.allocation = taken.allocation;
    this.allocationFromDeveloper = taken.fromDeveloper;
    this.allocationProblem = taken.problem;
    if (taken.problem) this.options.log?.warn({ code: 'KEY_SOURCE_MISMATCH' }, taken.problem);
  }

  /** Marks this node as blocked by its parent (a sentence saying why), or served again with null. */
  block(reason: string | null): void {
    this.blockedBy = reason;
  }

  /**
   * Rebuilds what the node enforces from its license and allocation: the catalog (returned; the pools take it), the
   * quantities held, the serving window and whether a server application is held.
   */
  refresh(): Catalog {
    const { catalog, notes } = effectiveCatalog(
      this.options.catalog,
      this.installed?.terms ?? null,
      this.allocation?.terms ?? null,
    );
    // Rebuilt at every grant change (each sync of a site): a note is logged when it is new, not every minute.
    for (const note of notes) if (!this.catalogNotes.has(note)) this.options.log?.warn(note);
    this.catalogNotes = new Set(notes);
    this.current = catalog;
    // A node its parent blocks serves on its own license only; without one, licensed() says why it refuses.
    const { held, validFrom, validUntil, changesAt } = combineGrants(
      this.installed,
      this.blockedBy ? null : this.allocation,
      this.now(),
    );
    this.held = held;
    this.validFrom = validFrom;
    this.validUntil = validUntil;
    this.grantsChangeAt = changesAt;
    this.refusal = this.applicationRefusal() ?? this.keyRefusal();
    return catalog;
  }

  /** True once a source of grants has started or ended since the last refresh (an allocation expiring beside a license). */
  grantsDue(): boolean {
    return this.grantsChangeAt !== Number.POSITIVE_INFINITY && this.now() >= this.grantsChangeAt;
  }

  /** Refuses client work without a valid license. */
  licensed(): Outcome<true> {
    // Hot path: a plain comparison of numbers; the sentence for a refusal is built only when refusing.
    const now = this.now();
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

  /** The USB drive watch as status shows it: whether the drive is there, since when it is gone, when serving stops. */
  get hardwareKeyPresence(): HardwareKeyPresence {
    return this.drive?.presence ?? UNWATCHED;
  }

  /** Looks for the USB drive now (the watch also does so on its interval). */
  checkHardwareKey(): void {
    this.drive?.check();
  }

  /** Events the reaper writes: the drive going or coming back, a clock rollback noticed. */
  takeEvents(): DomainEvent[] {
    const events: DomainEvent[] = this.drive ? [...this.drive.takeEvents()] : [];
    const rolledBack = this.time.takeRollbackEvent();
    if (rolledBack) events.push(rolledBack);
    return events;
  }

  /** Writes the time high-water mark to the store's meta table (when it moved by a second or more). */
  async persistTime(store: Store): Promise<void> {
    this.now();
    await this.time.persist(store);
  }

  /** Stops the USB drive watch. */
  stopWatching(): void {
    this.drive?.stop();
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
}
