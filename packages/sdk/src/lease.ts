import './async-dispose-polyfill.js';
import type { LeaseView, LicenseStateName } from '@licensor/protocol';
import type { LicensingError } from './errors/licensing-error.js';

/** What a lease needs from the client that holds it. */
export interface LeaseOwner {
  releaseLease(lease: Lease): Promise<void>;
}

let updateView: (lease: Lease, view: LeaseView) => void;
let confirmedAtOf: (lease: Lease) => number;
let markLost: (lease: Lease, error: LicensingError) => boolean;
let takeActivity: (lease: Lease) => boolean;
let setLicense: (lease: Lease, license: LeaseLicense) => void;

/** The node's license as it bears on one lease: its state and the quantity licensed for the lease's module. */
export interface LeaseLicense {
  state: LicenseStateName;
  /** The module's licensed quantity (null = unlimited, 0 = no longer licensed). */
  quantity: number | null;
}

/**
 * A slot held by one holder (device, plugin instance, client app) in one module's pool. Release it with `release()`
 * or `await using`; the client heartbeats it on its own. If the node takes it away (evicted, force-released,
 * expired) `onLost` callbacks run, `lost` resolves and `isLost` turns true.
 */
export class Lease implements AsyncDisposable {
  /** Module whose pool this slot belongs to. */
  readonly moduleId: number;
  /** The holder (device ID, plugin instance ID); the same holder re-takes the same slot. */
  readonly holderId: string;
  private readonly owner: LeaseOwner;
  private view: LeaseView;
  private lossError: LicensingError | undefined;
  // Made on first use: most leases are released without anyone waiting on `lost` or registering `onLost`, and a
  // promise and a set per acquire are garbage the hot path does not need.
  private lostPromise: Promise<LicensingError> | undefined;
  private resolveLost: ((err: LicensingError) => void) | undefined;
  private lostCallbacks: Set<(err: LicensingError) => void> | undefined;
  private releasing: Promise<void> | undefined;
  private active = false;
  private leaseLicense: LeaseLicense | undefined;
  /** When (performance.now()) the node last confirmed the lease: acquired, re-acquired or renewed. */
  private confirmedAt = performance.now();

  static {
    updateView = (lease, view) => {
      lease.view = view;
      lease.confirmedAt = performance.now();
    };
    confirmedAtOf = (lease) => lease.confirmedAt;
    markLost = (lease, error) => {
      if (lease.lossError || lease.releasing) return false;
      lease.lossError = error;
      lease.resolveLost?.(error);
      for (const cb of lease.lostCallbacks ?? []) {
        try {
          cb(error);
        } catch (err) {
          // One failing callback must not keep the others from learning the lease is gone.
          queueMicrotask(() => {
            throw err;
          });
        }
      }
      lease.lostCallbacks = undefined;
      return true;
    };
    setLicense = (lease, license) => {
      lease.leaseLicense = license;
    };
    takeActivity = (lease) => {
      const active = lease.active;
      lease.active = false;
      return active;
    };
  }

  /** Built by `LicensingClient.acquireSlot`; not meant to be constructed by applications. */
  constructor(view: LeaseView, owner: LeaseOwner) {
    this.moduleId = view.moduleId;
    this.holderId = view.holderId;
    this.view = view;
    this.owner = owner;
  }

  /** Resolves (never rejects) with the reason when the lease is lost; stays pending if it is released normally. */
  get lost(): Promise<LicensingError> {
    if (!this.lostPromise) {
      const lostError = this.lossError;
      this.lostPromise = lostError
        ? Promise.resolve(lostError)
        : new Promise((resolve) => {
            this.resolveLost = resolve;
          });
    }
    return this.lostPromise;
  }

  /** The node's id of this lease (`lse_…`); unchanged while the holder keeps re-taking its slot. */
  get leaseId(): string {
    return this.view.leaseId;
  }

  /** When the node frees the slot unless a heartbeat comes first (ms since the epoch). */
  get expiresAt(): number {
    return this.view.expiresAt;
  }

  /** When the holder first took the slot (ms since the epoch). */
  get acquiredAt(): number {
    return this.view.acquiredAt;
  }

  /** True when the holder already held this slot (e.g. a device re-taking it after a crash or reconnect). */
  get reacquired(): boolean {
    return this.view.reacquired;
  }

  /** True when the node runs a developer license: the slot is for testing, not production (follows a swapped license). */
  get nonProduction(): boolean {
    return this.view.nonProduction === true;
  }

  /**
   * The node's license as this client last heard it, for this lease's module: its state and the module's licensed
   * quantity. Updated at once when the node pushes a license change (session transport); undefined until known.
   */
  get license(): LeaseLicense | undefined {
    return this.leaseLicense;
  }

  /** Heartbeat interval the node asked for with this lease. */
  get heartbeatIntervalMs(): number {
    return this.view.heartbeatIntervalMs;
  }

  /** True once the node took the lease away. */
  get isLost(): boolean {
    return this.lossError !== undefined;
  }

  /** Why the lease was lost, once it was. */
  get lostError(): LicensingError | undefined {
    return this.lossError;
  }

  /** True once `release()` was called. */
  get isReleased(): boolean {
    return this.releasing !== undefined;
  }

  /** Marks user activity: the next heartbeat reports the holder active (EVICT_INACTIVE evicts by idleness, not silence). */
  touch(): void {
    this.active = true;
  }

  /** Calls `cb` when the lease is lost (at once if it already is); returns a function that unsubscribes. */
  onLost(cb: (error: LicensingError) => void): () => void {
    if (this.lossError) {
      const err = this.lossError;
      queueMicrotask(() => cb(err));
      return () => {};
    }
    const callbacks = this.lostCallbacks ?? new Set();
    this.lostCallbacks = callbacks;
    callbacks.add(cb);
    return () => callbacks.delete(cb);
  }

  /** Frees the slot; idempotent (every call returns the same promise). A lease already lost resolves at once. */
  release(): Promise<void> {
    if (!this.releasing) {
      this.lostCallbacks = undefined;
      this.releasing = this.lossError ? Promise.resolve() : this.owner.releaseLease(this);
    }
    return this.releasing;
  }

  /** Releases the slot at the end of an `await using` scope, also when the scope throws. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

/** Replaces a lease's view with a newer answer of the node (re-acquire, heartbeat). Internal to the SDK. */
export function updateLeaseView(lease: Lease, view: LeaseView): void {
  updateView(lease, view);
}

/** When (performance.now()) the node last confirmed a lease. Internal to the SDK. */
export function leaseConfirmedAt(lease: Lease): number {
  return confirmedAtOf(lease);
}

/** Marks a lease lost and runs its callbacks; false when it was already lost or released. Internal to the SDK. */
export function markLeaseLost(lease: Lease, error: LicensingError): boolean {
  return markLost(lease, error);
}

/** Reads and clears the activity flag set by `touch()`. Internal to the SDK. */
export function takeLeaseActivity(lease: Lease): boolean {
  return takeActivity(lease);
}

/** Sets what the client knows of the license for a lease's module. Internal to the SDK. */
export function setLeaseLicense(lease: Lease, license: LeaseLicense): void {
  setLicense(lease, license);
}

/** What the node last said of a lease, as a view to update from. */
export function leaseViewOf(lease: Lease): LeaseView {
  return {
    moduleId: lease.moduleId,
    holderId: lease.holderId,
    leaseId: lease.leaseId,
    acquiredAt: lease.acquiredAt,
    expiresAt: lease.expiresAt,
    heartbeatIntervalMs: lease.heartbeatIntervalMs,
    reacquired: lease.reacquired,
    nonProduction: lease.nonProduction,
  };
}
