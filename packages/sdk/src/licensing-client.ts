import './async-dispose-polyfill.js';
import {
  type EnabledAnswer,
  type LeaseView,
  type ProfileCheckAnswer,
  type SessionPush,
  StableMap,
} from '@licensor/protocol';
import { checkModuleId, invalid } from './argument-checks.js';
import { CatalogCache } from './catalog-cache.js';
import type {
  CatalogModule,
  ClientLicense,
  MemberState,
  NodeStatus,
  OperationCheck,
  ProfileCheck,
  QuotaState,
  SessionHello,
} from './client-results.js';
import { ConnectionError } from './errors/connection-error.js';
import { FeatureNotLicensedError } from './errors/feature-not-licensed-error.js';
import { LeaseLostError } from './errors/lease-lost-error.js';
import { LicensingError } from './errors/licensing-error.js';
import { ModuleNotLicensedError } from './errors/module-not-licensed-error.js';
import { HeartbeatLoop } from './heartbeat-loop.js';
import { HttpTransport } from './http-transport.js';
import { Lease, type LeaseOwner, leaseViewOf, markLeaseLost, setLeaseLicense, updateLeaseView } from './lease.js';
import type { LicensingClientEvents } from './licensing-client-events.js';
import type { LicensingClientOptions, TransportKind } from './licensing-client-options.js';
import type { OperationRequest, Transport } from './operation-request.js';
import { SessionTransport } from './session-transport.js';
import { ignoreLeaseLost, leaseKey, released } from './release-outcome.js';
import { TypedEmitter } from './typed-emitter.js';

const DEFAULT_GRACE_MS = 15_000;

/**
 * The application's handle on a Licensor node: slots (leases) with automatic heartbeats, members, quotas, feature
 * profiles. Over the default session transport one WebSocket carries every request and the node's pushes.
 */
export class LicensingClient extends TypedEmitter<LicensingClientEvents> implements AsyncDisposable {
  /** Which transport this client uses. */
  readonly transportKind: TransportKind;
  private readonly opts: LicensingClientOptions;
  private readonly transport: Transport;
  private readonly http: HttpTransport;
  private readonly sessionTransport: SessionTransport | null;
  // Devices take and release the same keys all the time: a StableMap reuses their entries (see its doc comment).
  private readonly held = new StableMap<string, Lease>();
  // Leases call back through this object rather than a public method, so releasing stays `lease.release()` only.
  private readonly owner: LeaseOwner = { releaseLease: (lease) => this.releaseLease(lease) };
  private hello: SessionHello | null = null;
  private currentLicense: ClientLicense | null = null;
  private readonly heartbeats: HeartbeatLoop;
  private graceTimer: NodeJS.Timeout | null = null;
  private readonly catalogCache: CatalogCache;
  private closed = false;
  private reconnected = false;

  constructor(options: LicensingClientOptions) {
    super();
    if (typeof options?.url !== 'string' || options.url === '')
      throw new TypeError('LicensingClient: options.url is required');
    if (typeof options.token !== 'string' || options.token === '')
      throw new TypeError('LicensingClient: options.token is required');
    this.opts = { ...options, url: options.url.replace(/\/+$/, '') };
    this.transportKind = options.transport ?? 'session';
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const common = {
      url: this.opts.url,
      token: options.token,
      requestTimeoutMs,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    // Plain HTTP is always at hand: the catalog has no session operation, and the http transport is all HTTP.
    this.http = new HttpTransport(common);
    this.catalogCache = new CatalogCache(this.http);
    if (this.transportKind === 'http') {
      this.sessionTransport = null;
      this.transport = this.http;
    } else {
      this.sessionTransport = new SessionTransport({
        ...common,
        ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
        ...(options.maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs: options.maxReconnectDelayMs }),
        onPush: (push) => this.onPush(push),
        onOpen: (reconnected) => this.onOpen(reconnected),
        onDrop: (err) => this.onDrop(err),
      });
      this.transport = this.sessionTransport;
    }
    this.heartbeats = new HeartbeatLoop({
      leases: this.held,
      fixedIntervalMs: options.heartbeatIntervalMs,
      helloIntervalMs: () => this.hello?.heartbeatIntervalMs ?? 0,
      canSend: () => !this.closed && (this.sessionTransport === null || this.sessionTransport.connected),
      isClosed: () => this.closed,
      call: (req) => this.call(req),
      renewed: (lease, expiresAt, nonProduction) => {
        // Every heartbeat carries the node's non-production flag: a license swapped meanwhile shows here too.
        updateLeaseView(lease, {
          ...leaseViewOf(lease),
          expiresAt,
          nonProduction: nonProduction ?? lease.nonProduction,
        });
        if (this.currentLicense && nonProduction !== undefined) this.currentLicense.nonProduction = nonProduction;
      },
      lose: (lease, error) => this.lose(lease, error),
    });
  }

  /** What the node said when the session opened (heartbeat interval, grace, non-production), once it did. */
  get session(): SessionHello | null {
    return this.hello;
  }

  /** True when the node runs a developer license (known after the first session hello, lease or heartbeat; follows a swapped license). */
  get nonProduction(): boolean {
    if (this.currentLicense) return this.currentLicense.nonProduction;
    return this.hello?.nonProduction === true || [...this.held.values()].some((l) => l.nonProduction);
  }

  /** The node's license as last heard over the session (state, non-production flag, entitlements); null until the hello. */
  get license(): ClientLicense | null {
    return this.currentLicense
      ? { ...this.currentLicense, entitlements: this.currentLicense.entitlements.map((e) => ({ ...e })) }
      : null;
  }

  /** True while the session socket is open (always false over HTTP). */
  get connected(): boolean {
    return this.sessionTransport?.connected ?? false;
  }

  /** Every lease this client holds and has not lost or released. */
  leases(): Lease[] {
    return [...this.held.values()];
  }

  /** Opens the session now instead of on first use (no-op over HTTP). */
  connect(): void {
    this.sessionTransport?.connect();
  }

  /**
   * Takes a slot of `moduleId` for `deviceId` (any stable device or instance ID). The same device re-takes its own
   * slot; on this client the same `Lease` object is returned. Throws InsufficientLicenseError when the pool is full.
   */
  async acquireSlot(moduleId: number, deviceId: string): Promise<Lease> {
    checkModuleId(moduleId);
    if (typeof deviceId !== 'string' || deviceId === '')
      throw invalid('deviceId', 'deviceId must be a non-empty string');
    const view = await this.call<LeaseView>({ op: 'acquire', moduleId, holderId: deviceId });
    const key = leaseKey(moduleId, deviceId);
    const held = this.held.get(key);
    let lease: Lease;
    if (held && !held.isLost && !held.isReleased) {
      updateLeaseView(held, view);
      lease = held;
    } else {
      lease = new Lease(view, this.owner);
      this.held.set(key, lease);
    }
    if (this.currentLicense) setLeaseLicense(lease, this.leaseLicense(moduleId));
    this.heartbeats.schedule();
    return lease;
  }

  /** True when the node's license covers `moduleId` (uncounted modules: free plugins, features, server apps). */
  async isEnabled(moduleId: number): Promise<boolean> {
    checkModuleId(moduleId);
    try {
      return (await this.call<EnabledAnswer>({ op: 'enabled', moduleId })).enabled;
    } catch (err) {
      if (err instanceof ModuleNotLicensedError) return false;
      throw err;
    }
  }

  /** Connects or syncs a member of a BLOCK_LATEST pool (a cash register); `blocked` means its sync must stop. */
  async syncMember(moduleId: number, memberId: string, features?: number[]): Promise<MemberState> {
    checkModuleId(moduleId);
    if (typeof memberId !== 'string' || memberId === '')
      throw invalid('memberId', 'memberId must be a non-empty string');
    const req: OperationRequest =
      features === undefined
        ? { op: 'member.sync', moduleId, memberId }
        : { op: 'member.sync', moduleId, memberId, features };
    return this.call<MemberState>(req);
  }

  /** Reports the count a DEGRADE pool measures (e.g. clients with non-standard accounts); answers the pool state. */
  async reportQuota(moduleId: number, count: number): Promise<QuotaState> {
    checkModuleId(moduleId);
    if (!Number.isInteger(count) || count < 0) throw invalid('count', 'count must be a non-negative integer');
    return this.call<QuotaState>({ op: 'quota.report', moduleId, count });
  }

  /** Asks whether an operation is allowed in the pool's quota state; throws QuotaExceededError when it is refused. */
  async checkOperation(moduleId: number, operation: string): Promise<OperationCheck> {
    checkModuleId(moduleId);
    if (typeof operation !== 'string' || operation === '')
      throw invalid('operation', 'operation must be a non-empty string');
    // The node answers `true` (session) or `{ allowed: true }` (HTTP); a refusal is a QUOTA_EXCEEDED problem, thrown.
    await this.call({ op: 'quota.check', moduleId, operation });
    return { allowed: true, operation, state: 'ok' };
  }

  /** Checks a register's feature profile: `blocked` with the unlicensed feature module IDs, or `active`. */
  async checkProfile(moduleId: number, features: number[]): Promise<ProfileCheck> {
    checkModuleId(moduleId);
    if (!Array.isArray(features) || !features.every((f) => Number.isInteger(f)))
      throw invalid('features', 'features must be an array of module IDs');
    try {
      // A licensed profile is answered with its features; an unlicensed one is a FEATURE_NOT_LICENSED problem.
      await this.call<ProfileCheckAnswer>({ op: 'profile.check', moduleId, features });
      return { state: 'active', missingFeatures: [] };
    } catch (err) {
      if (err instanceof FeatureNotLicensedError) {
        const missing = err.data.missing;
        return { state: 'blocked', missingFeatures: Array.isArray(missing) ? (missing as number[]) : [] };
      }
      throw err;
    }
  }

  /** The node's status: license state, hardware key source, non-production flag. */
  async status(): Promise<NodeStatus> {
    return this.call<NodeStatus>({ op: 'status' });
  }

  /** The node's module catalog (fetched once per client over HTTP and cached; `refresh` fetches again). */
  async catalog(refresh = false): Promise<CatalogModule[]> {
    return [...(await this.catalogCache.get(refresh)).values()];
  }

  /** One module of the node's catalog, or undefined when the node does not know it. */
  async moduleInfo(moduleId: number): Promise<CatalogModule | undefined> {
    return (await this.catalogCache.get(false)).get(moduleId);
  }

  /** Stops heartbeats and closes the session. Held slots stay taken (and expire by TTL/grace) unless `release: true`. */
  async close(options: { release?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (options.release) await Promise.allSettled(this.leases().map((l) => l.release()));
    this.closed = true;
    this.heartbeats.stop();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    await this.transport.close();
    await this.http.close();
  }

  /** Closes the client at the end of an `await using` scope (without releasing leases). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Releases one lease on the node; called by `Lease.release()`. */
  private releaseLease(lease: Lease): Promise<void> {
    const key = leaseKey(lease.moduleId, lease.holderId);
    if (this.held.get(key) === lease) this.held.delete(key);
    // Promise chaining rather than async/await: one promise per release instead of three on the hot path.
    return this.call({
      op: 'release',
      moduleId: lease.moduleId,
      holderId: lease.holderId,
      leaseId: lease.leaseId,
    }).then(released, ignoreLeaseLost);
  }

  /** Drops the session socket abruptly, as a network failure would (for tests and fault drills). */
  simulateDisconnect(): void {
    this.sessionTransport?.terminateSocket();
  }

  private call<T>(req: OperationRequest): Promise<T> {
    if (this.closed)
      return Promise.reject(new ConnectionError({ code: 'CONNECTION_FAILED', detail: 'the client is closed' }));
    return this.transport.call(req) as Promise<T>;
  }

  private lose(lease: Lease, error: LicensingError): void {
    const key = leaseKey(lease.moduleId, lease.holderId);
    if (this.held.get(key) === lease) this.held.delete(key);
    if (markLeaseLost(lease, error)) this.emit('leaseLost', lease, error);
  }

  private onPush(push: SessionPush): void {
    switch (push.push) {
      case 'hello': {
        this.hello = push;
        if (push.license) this.setLicense({ ...push.license, nonProduction: push.nonProduction });
        const reconnected = this.reconnected;
        this.emit('connected', push, reconnected);
        return;
      }
      case 'lease.lost': {
        const lease = this.held.get(leaseKey(push.moduleId, push.holderId));
        if (!lease || lease.leaseId !== push.leaseId) return;
        this.lose(
          lease,
          new LeaseLostError({
            code: push.reason === 'evicted' ? 'LEASE_EVICTED' : 'LEASE_NOT_FOUND',
            detail:
              push.detail || `lease ${push.leaseId} of module ${push.moduleId} was ${push.reason.replace('_', ' ')}`,
            data: { reason: push.reason, moduleId: push.moduleId, holderId: push.holderId, leaseId: push.leaseId },
          }),
        );
        return;
      }
      case 'member.state':
        this.emit('memberState', push);
        return;
      case 'quota.state':
        this.emit('quotaState', push);
        return;
      case 'license.state':
        this.setLicense({
          state: push.state,
          detail: push.detail,
          nonProduction: push.nonProduction ?? this.currentLicense?.nonProduction ?? this.hello?.nonProduction ?? false,
          entitlements: push.entitlements ?? this.currentLicense?.entitlements ?? [],
        });
        this.emit('licenseState', push);
        return;
    }
  }

  /** Takes the node's word on its license and hands it on to every held lease. */
  private setLicense(license: ClientLicense): void {
    this.currentLicense = license;
    for (const lease of this.held.values()) {
      if (lease.nonProduction !== license.nonProduction)
        updateLeaseView(lease, { ...leaseViewOf(lease), nonProduction: license.nonProduction });
      setLeaseLicense(lease, this.leaseLicense(lease.moduleId));
    }
  }

  /** What the license says of one module, for its leases. */
  private leaseLicense(moduleId: number): { state: ClientLicense['state']; quantity: number | null } {
    const license = this.currentLicense as ClientLicense;
    const e = license.entitlements.find((x) => x.moduleId === moduleId);
    return { state: license.state, quantity: e ? e.quantity : 0 };
  }

  private onOpen(reconnected: boolean): void {
    this.reconnected = reconnected;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    if (!reconnected) return;
    // Same holder ID → the node gives back the same slot (and leaseId) if it still holds it for us.
    for (const lease of this.leases()) {
      this.transport
        .call({ op: 'acquire', moduleId: lease.moduleId, holderId: lease.holderId })
        .then((view) => {
          if (this.held.get(leaseKey(lease.moduleId, lease.holderId)) === lease)
            updateLeaseView(lease, view as LeaseView);
        })
        .catch((err: unknown) => {
          // A connection failure will be followed by another reconnect and another try; a refusal means the slot is gone.
          if (err instanceof ConnectionError || !(err instanceof LicensingError)) return;
          if (this.held.get(leaseKey(lease.moduleId, lease.holderId)) === lease) this.lose(lease, err);
        });
    }
  }

  private onDrop(error: ConnectionError): void {
    this.emit('disconnected', error);
    if (this.held.size === 0 || this.graceTimer) return;
    const grace = this.opts.graceMs ?? this.hello?.graceMs ?? DEFAULT_GRACE_MS;
    // Past the node's grace it has freed our slots: tell the application instead of pretending to hold them.
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      if (this.connected) return;
      for (const lease of this.leases()) {
        this.lose(
          lease,
          new ConnectionError({
            code: 'CONNECTION_FAILED',
            detail: `session down longer than the ${grace} ms grace: ${error.detail}`,
            cause: error,
          }),
        );
      }
    }, grace);
    this.graceTimer.unref();
  }
}
