import './async-dispose-polyfill.js';
import { type HeartbeatResult, type LeaseView, type SessionPush, StableMap } from '@licensor/protocol';
import type {
  CatalogModule,
  ClientLicense,
  LicenseStatePush,
  MemberState,
  MemberStatePush,
  NodeStatus,
  OperationCheck,
  ProfileCheck,
  QuotaState,
  QuotaStatePush,
  SessionHello,
} from './client-results.js';
import { ConnectionError } from './errors/connection-error.js';
import { FeatureNotLicensedError } from './errors/feature-not-licensed-error.js';
import { LeaseLostError } from './errors/lease-lost-error.js';
import { LicensingError } from './errors/licensing-error.js';
import { ModuleNotLicensedError } from './errors/module-not-licensed-error.js';
import { QuotaExceededError } from './errors/quota-exceeded-error.js';
import { toLicensingError } from './errors/to-licensing-error.js';
import { ValidationError } from './errors/validation-error.js';
import { HttpTransport } from './http-transport.js';
import { Lease, type LeaseOwner, markLeaseLost, setLeaseLicense, takeLeaseActivity, updateLeaseView } from './lease.js';
import type { LicensingClientOptions, TransportKind } from './licensing-client-options.js';
import type { OperationRequest, Transport } from './operation-request.js';
import { SessionTransport } from './session-transport.js';
import { TypedEmitter } from './typed-emitter.js';

/** Events of a LicensingClient. Pushes arrive only over the session transport. */
export type LicensingClientEvents = {
  /** A lease was taken away (push, failed heartbeat, failed re-acquire, or the session stayed down past the grace). */
  leaseLost: [lease: Lease, error: LicensingError];
  /** A member of a BLOCK_LATEST pool was blocked or unblocked. */
  memberState: [state: MemberStatePush];
  /** A DEGRADE pool went over quota or back. */
  quotaState: [state: QuotaStatePush];
  /**
   * The node's license changed: its state (valid, missing, expired, …), the non-production flag or what it grants.
   * By the time listeners run, `client.license`, `client.nonProduction` and every held lease's `nonProduction` and
   * `license` already say the new thing.
   */
  licenseState: [state: LicenseStatePush];
  /** The session opened (`reconnected` after a drop) and the node said hello. */
  connected: [hello: SessionHello, reconnected: boolean];
  /** The session dropped; the client is reconnecting and will re-take its leases. */
  disconnected: [error: ConnectionError];
};

const DEFAULT_HEARTBEAT_MS = 20_000;
const DEFAULT_GRACE_MS = 15_000;

/**
 * The application's handle on a Licensor node: slots (leases) with automatic heartbeats, members, quotas, feature
 * profiles. Over the default session transport one WebSocket carries every request and the node's pushes.
 */
export class LicensingClient extends TypedEmitter<LicensingClientEvents> implements AsyncDisposable {
  /** Which transport this client uses. */
  readonly transportKind: TransportKind;
  readonly #opts: LicensingClientOptions;
  readonly #transport: Transport;
  readonly #http: HttpTransport;
  readonly #session: SessionTransport | null;
  // Devices take and release the same keys all the time: a StableMap reuses their entries (see its doc comment).
  readonly #leases = new StableMap<string, Lease>();
  // Leases call back through this object rather than a public method, so releasing stays `lease.release()` only.
  readonly #owner: LeaseOwner = { releaseLease: (lease) => this.#releaseLease(lease) };
  #hello: SessionHello | null = null;
  #license: ClientLicense | null = null;
  #heartbeatTimer: NodeJS.Timeout | null = null;
  #heartbeatInFlight = false;
  #graceTimer: NodeJS.Timeout | null = null;
  #catalog: Promise<Map<number, CatalogModule>> | null = null;
  #closed = false;
  #reconnected = false;

  constructor(options: LicensingClientOptions) {
    super();
    if (typeof options?.url !== 'string' || options.url === '')
      throw new TypeError('LicensingClient: options.url is required');
    if (typeof options.token !== 'string' || options.token === '')
      throw new TypeError('LicensingClient: options.token is required');
    this.#opts = { ...options, url: options.url.replace(/\/+$/, '') };
    this.transportKind = options.transport ?? 'session';
    const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    const common = {
      url: this.#opts.url,
      token: options.token,
      requestTimeoutMs,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    };
    // Plain HTTP is always at hand: the catalog has no session operation, and the http transport is all HTTP.
    this.#http = new HttpTransport(common);
    if (this.transportKind === 'http') {
      this.#session = null;
      this.#transport = this.#http;
    } else {
      this.#session = new SessionTransport({
        ...common,
        ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
        ...(options.maxReconnectDelayMs === undefined ? {} : { maxReconnectDelayMs: options.maxReconnectDelayMs }),
        onPush: (push) => this.#onPush(push),
        onOpen: (reconnected) => this.#onOpen(reconnected),
        onDrop: (err) => this.#onDrop(err),
      });
      this.#transport = this.#session;
    }
  }

  /** What the node said when the session opened (heartbeat interval, grace, non-production), once it did. */
  get session(): SessionHello | null {
    return this.#hello;
  }

  /** True when the node runs a developer license (known after the first session hello, lease or heartbeat; follows a swapped license). */
  get nonProduction(): boolean {
    if (this.#license) return this.#license.nonProduction;
    return this.#hello?.nonProduction === true || [...this.#leases.values()].some((l) => l.nonProduction);
  }

  /** The node's license as last heard over the session (state, non-production flag, entitlements); null until the hello. */
  get license(): ClientLicense | null {
    return this.#license ? { ...this.#license, entitlements: this.#license.entitlements.map((e) => ({ ...e })) } : null;
  }

  /** True while the session socket is open (always false over HTTP). */
  get connected(): boolean {
    return this.#session?.connected ?? false;
  }

  /** Every lease this client holds and has not lost or released. */
  leases(): Lease[] {
    return [...this.#leases.values()];
  }

  /** Opens the session now instead of on first use (no-op over HTTP). */
  connect(): void {
    this.#session?.connect();
  }

  /**
   * Takes a slot of `moduleId` for `deviceId` (any stable device or instance ID). The same device re-takes its own
   * slot; on this client the same `Lease` object is returned. Throws InsufficientLicenseError when the pool is full.
   */
  async acquireSlot(moduleId: number, deviceId: string): Promise<Lease> {
    checkModuleId(moduleId);
    if (typeof deviceId !== 'string' || deviceId === '')
      throw invalid('deviceId', 'deviceId must be a non-empty string');
    const view = await this.#call<LeaseView>({ op: 'acquire', moduleId, holderId: deviceId });
    const key = leaseKey(moduleId, deviceId);
    const held = this.#leases.get(key);
    let lease: Lease;
    if (held && !held.isLost && !held.isReleased) {
      updateLeaseView(held, view);
      lease = held;
    } else {
      lease = new Lease(view, this.#owner);
      this.#leases.set(key, lease);
    }
    if (this.#license) setLeaseLicense(lease, this.#leaseLicense(moduleId));
    this.#scheduleHeartbeat();
    return lease;
  }

  /** True when the node's license covers `moduleId` (uncounted modules: free plugins, features, server apps). */
  async isEnabled(moduleId: number): Promise<boolean> {
    checkModuleId(moduleId);
    try {
      const result = await this.#call<unknown>({ op: 'enabled', moduleId });
      if (typeof result === 'boolean') return result;
      return (result as { enabled?: unknown } | null)?.enabled === true;
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
    return this.#call<MemberState>(req);
  }

  /** Reports the count a DEGRADE pool measures (e.g. clients with non-standard accounts); answers the pool state. */
  async reportQuota(moduleId: number, count: number): Promise<QuotaState> {
    checkModuleId(moduleId);
    if (!Number.isInteger(count) || count < 0) throw invalid('count', 'count must be a non-negative integer');
    return this.#call<QuotaState>({ op: 'quota.report', moduleId, count });
  }

  /** Asks whether an operation is allowed in the pool's quota state; throws QuotaExceededError when it is refused. */
  async checkOperation(moduleId: number, operation: string): Promise<OperationCheck> {
    checkModuleId(moduleId);
    if (typeof operation !== 'string' || operation === '')
      throw invalid('operation', 'operation must be a non-empty string');
    // The node answers `true` (session) or `{ allowed: true }` (HTTP), and refuses with a QUOTA_EXCEEDED problem;
    // an `allowed: false` answer is honoured too, so a refusal never passes silently.
    const raw = await this.#call<unknown>({ op: 'quota.check', moduleId, operation });
    const result = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const state = result.state === 'over_quota' ? 'over_quota' : 'ok';
    if (result.allowed === false) {
      throw new QuotaExceededError({
        code: 'QUOTA_EXCEEDED',
        detail:
          typeof result.detail === 'string'
            ? result.detail
            : `operation ${operation} is refused: module ${moduleId} is over quota`,
        data: { ...result, moduleId, operation },
      });
    }
    return { allowed: true, operation, state };
  }

  /** Checks a register's feature profile: `blocked` with the unlicensed feature module IDs, or `active`. */
  async checkProfile(moduleId: number, features: number[]): Promise<ProfileCheck> {
    checkModuleId(moduleId);
    if (!Array.isArray(features) || !features.every((f) => Number.isInteger(f)))
      throw invalid('features', 'features must be an array of module IDs');
    try {
      const raw = await this.#call<unknown>({ op: 'profile.check', moduleId, features });
      const result = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const missing = Array.isArray(result.missingFeatures) ? (result.missingFeatures as number[]) : [];
      const blocked =
        result.state === 'blocked' || result.ok === false || result.licensed === false || missing.length > 0;
      return { state: blocked ? 'blocked' : 'active', missingFeatures: missing };
    } catch (err) {
      // A node may answer an unlicensed profile as a FEATURE_NOT_LICENSED problem instead of a result.
      if (err instanceof FeatureNotLicensedError) {
        const missing = err.data.missing ?? err.data.missingFeatures;
        return { state: 'blocked', missingFeatures: Array.isArray(missing) ? (missing as number[]) : [] };
      }
      throw err;
    }
  }

  /** The node's status: license state, hardware key source, non-production flag. */
  async status(): Promise<NodeStatus> {
    return this.#call<NodeStatus>({ op: 'status' });
  }

  /** The node's module catalog (fetched once per client over HTTP and cached; `refresh` fetches again). */
  async catalog(refresh = false): Promise<CatalogModule[]> {
    return [...(await this.#catalogMap(refresh)).values()];
  }

  /** One module of the node's catalog, or undefined when the node does not know it. */
  async moduleInfo(moduleId: number): Promise<CatalogModule | undefined> {
    return (await this.#catalogMap(false)).get(moduleId);
  }

  /** Stops heartbeats and closes the session. Held slots stay taken (and expire by TTL/grace) unless `release: true`. */
  async close(options: { release?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    if (options.release) await Promise.allSettled(this.leases().map((l) => l.release()));
    this.#closed = true;
    this.#stopHeartbeat();
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    await this.#transport.close();
    await this.#http.close();
  }

  /** Closes the client at the end of an `await using` scope (without releasing leases). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Releases one lease on the node; called by `Lease.release()`. */
  #releaseLease(lease: Lease): Promise<void> {
    const key = leaseKey(lease.moduleId, lease.holderId);
    if (this.#leases.get(key) === lease) this.#leases.delete(key);
    // Promise chaining rather than async/await: one promise per release instead of three on the hot path.
    return this.#call({
      op: 'release',
      moduleId: lease.moduleId,
      holderId: lease.holderId,
      leaseId: lease.leaseId,
    }).then(released, ignoreLeaseLost);
  }

  /** Drops the session socket abruptly, as a network failure would (for tests and fault drills). */
  simulateDisconnect(): void {
    this.#session?.terminateSocket();
  }

  #call<T>(req: OperationRequest): Promise<T> {
    if (this.#closed)
      return Promise.reject(new ConnectionError({ code: 'CONNECTION_FAILED', detail: 'the client is closed' }));
    return this.#transport.call(req) as Promise<T>;
  }

  #catalogMap(refresh: boolean): Promise<Map<number, CatalogModule>> {
    if (!this.#catalog || refresh) {
      const loading = this.#http.request('GET', '/v1/catalog').then((res) => parseCatalog(res.body));
      // A failed load is not cached, so the next call tries again.
      loading.catch(() => {
        if (this.#catalog === loading) this.#catalog = null;
      });
      this.#catalog = loading;
    }
    return this.#catalog;
  }

  #heartbeatInterval(): number {
    if (this.#opts.heartbeatIntervalMs !== undefined) return this.#opts.heartbeatIntervalMs;
    // One batch serves every lease, so it follows the most demanding one: a module with a short TTL asks for more
    // frequent heartbeats in its lease answer than the session-wide default in the hello.
    let min =
      this.#hello && this.#hello.heartbeatIntervalMs > 0 ? this.#hello.heartbeatIntervalMs : Number.POSITIVE_INFINITY;
    for (const l of this.#leases.values()) if (l.heartbeatIntervalMs > 0) min = Math.min(min, l.heartbeatIntervalMs);
    return Number.isFinite(min) ? min : DEFAULT_HEARTBEAT_MS;
  }

  #scheduleHeartbeat(): void {
    if (this.#heartbeatTimer || this.#closed || this.#leases.size === 0) return;
    // A timeout chain rather than setInterval, so a new interval from the node applies at the next tick.
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeatTimer = null;
      void this.#heartbeat().finally(() => this.#scheduleHeartbeat());
    }, this.#heartbeatInterval());
    this.#heartbeatTimer.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeatTimer) clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
  }

  /** One batched heartbeat for every held lease. */
  async #heartbeat(): Promise<void> {
    if (this.#heartbeatInFlight || this.#closed) return;
    // While the session is down the reconnect re-acquires every lease, which renews it; a queued heartbeat would only duplicate that.
    if (this.#session && !this.#session.connected) return;
    const leases = this.leases();
    if (leases.length === 0) return;
    this.#heartbeatInFlight = true;
    const sent = leases.map((l) => ({ lease: l, leaseId: l.leaseId, active: takeLeaseActivity(l) }));
    try {
      const result = await this.#call<HeartbeatResult>({
        op: 'heartbeat',
        leases: sent.map((s) => ({
          moduleId: s.lease.moduleId,
          holderId: s.lease.holderId,
          leaseId: s.leaseId,
          active: s.active,
        })),
      });
      for (const r of result?.leases ?? []) {
        const lease = this.#leases.get(leaseKey(r.moduleId, r.holderId));
        if (!lease) continue;
        if (r.ok) {
          // Every heartbeat carries the node's non-production flag: a license swapped meanwhile shows here too.
          const nonProduction = r.nonProduction ?? lease.nonProduction;
          updateLeaseView(lease, { ...viewOf(lease), expiresAt: r.expiresAt, nonProduction });
          if (this.#license && r.nonProduction !== undefined) this.#license.nonProduction = r.nonProduction;
        } else this.#lose(lease, toLicensingError(r.error));
      }
    } catch {
      // A failed batch (connection, or refused as a whole like LICENSE_MISSING) says nothing about single leases:
      // keep them, and carry the activity over so EVICT_INACTIVE still learns the user was there.
      for (const s of sent) if (s.active) s.lease.touch();
    } finally {
      this.#heartbeatInFlight = false;
    }
  }

  #lose(lease: Lease, error: LicensingError): void {
    const key = leaseKey(lease.moduleId, lease.holderId);
    if (this.#leases.get(key) === lease) this.#leases.delete(key);
    if (markLeaseLost(lease, error)) this.emit('leaseLost', lease, error);
  }

  #onPush(push: SessionPush): void {
    switch (push.push) {
      case 'hello': {
        this.#hello = push;
        if (push.license) this.#setLicense({ ...push.license, nonProduction: push.nonProduction });
        const reconnected = this.#reconnected;
        this.emit('connected', push, reconnected);
        return;
      }
      case 'lease.lost': {
        const lease = this.#leases.get(leaseKey(push.moduleId, push.holderId));
        if (!lease || lease.leaseId !== push.leaseId) return;
        this.#lose(
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
        this.#setLicense({
          state: push.state,
          detail: push.detail,
          nonProduction: push.nonProduction ?? this.#license?.nonProduction ?? this.#hello?.nonProduction ?? false,
          entitlements: push.entitlements ?? this.#license?.entitlements ?? [],
        });
        this.emit('licenseState', push);
        return;
    }
  }

  /** Takes the node's word on its license and hands it on to every held lease. */
  #setLicense(license: ClientLicense): void {
    this.#license = license;
    for (const lease of this.#leases.values()) {
      if (lease.nonProduction !== license.nonProduction)
        updateLeaseView(lease, { ...viewOf(lease), nonProduction: license.nonProduction });
      setLeaseLicense(lease, this.#leaseLicense(lease.moduleId));
    }
  }

  /** What the license says of one module, for its leases. */
  #leaseLicense(moduleId: number): { state: ClientLicense['state']; quantity: number | null } {
    const license = this.#license as ClientLicense;
    const e = license.entitlements.find((x) => x.moduleId === moduleId);
    return { state: license.state, quantity: e ? e.quantity : 0 };
  }

  #onOpen(reconnected: boolean): void {
    this.#reconnected = reconnected;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    if (!reconnected) return;
    // Same holder ID → the node gives back the same slot (and leaseId) if it still holds it for us.
    for (const lease of this.leases()) {
      this.#transport
        .call({ op: 'acquire', moduleId: lease.moduleId, holderId: lease.holderId })
        .then((view) => {
          if (this.#leases.get(leaseKey(lease.moduleId, lease.holderId)) === lease)
            updateLeaseView(lease, view as LeaseView);
        })
        .catch((err: unknown) => {
          // A connection failure will be followed by another reconnect and another try; a refusal means the slot is gone.
          if (err instanceof ConnectionError || !(err instanceof LicensingError)) return;
          if (this.#leases.get(leaseKey(lease.moduleId, lease.holderId)) === lease) this.#lose(lease, err);
        });
    }
  }

  #onDrop(error: ConnectionError): void {
    this.emit('disconnected', error);
    if (this.#leases.size === 0 || this.#graceTimer) return;
    const grace = this.#opts.graceMs ?? this.#hello?.graceMs ?? DEFAULT_GRACE_MS;
    // Past the node's grace it has freed our slots: tell the application instead of pretending to hold them.
    this.#graceTimer = setTimeout(() => {
      this.#graceTimer = null;
      if (this.connected) return;
      for (const lease of this.leases()) {
        this.#lose(
          lease,
          new ConnectionError({
            code: 'CONNECTION_FAILED',
            detail: `session down longer than the ${grace} ms grace: ${error.detail}`,
            cause: error,
          }),
        );
      }
    }, grace);
    this.#graceTimer.unref();
  }
}

/** A release's answer carries nothing the caller needs. */
function released(): void {}

/** Already gone on the node is what release wants; anything else is worth telling the caller. */
function ignoreLeaseLost(err: unknown): void {
  if (err instanceof LeaseLostError) return;
  throw err;
}

function leaseKey(moduleId: number, holderId: string): string {
  return `${moduleId}\u0000${holderId}`;
}

function viewOf(lease: Lease): LeaseView {
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

function checkModuleId(moduleId: number): void {
  if (!Number.isInteger(moduleId) || moduleId < 0)
    throw invalid('moduleId', `moduleId must be a non-negative integer, got ${String(moduleId)}`);
}

function invalid(field: string, detail: string): ValidationError {
  return new ValidationError({ code: 'VALIDATION_FAILED', detail, field });
}

/** Reads `GET /v1/catalog` leniently: `{ modules: [...] }` or a bare array; strategy at `policy.strategy` or top level. */
function parseCatalog(body: unknown): Map<number, CatalogModule> {
  const list = Array.isArray(body)
    ? body
    : Array.isArray((body as { modules?: unknown } | null)?.modules)
      ? (body as { modules: unknown[] }).modules
      : [];
  const out = new Map<number, CatalogModule>();
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object') continue;
    const m = raw as Record<string, unknown>;
    const id = typeof m.id === 'number' ? m.id : typeof m.moduleId === 'number' ? m.moduleId : undefined;
    if (id === undefined) continue;
    const policy = m.policy as { strategy?: unknown } | undefined;
    const strategy =
      typeof policy?.strategy === 'string' ? policy.strategy : typeof m.strategy === 'string' ? m.strategy : undefined;
    const mod: CatalogModule = { id };
    if (typeof m.name === 'string') mod.name = m.name;
    if (typeof m.kind === 'string') mod.kind = m.kind;
    if (strategy !== undefined) mod.strategy = strategy;
    out.set(id, mod);
  }
  return out;
}
