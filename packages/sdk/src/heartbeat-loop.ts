import type { HeartbeatResult, StableMap } from '@licensor/protocol';
import type { LicensingError } from './errors/licensing-error.js';
import { toLicensingError } from './errors/to-licensing-error.js';
import { LeaseLostError } from './errors/lease-lost-error.js';
import { type Lease, leaseConfirmedAt, takeLeaseActivity } from './lease.js';
import type { OperationRequest } from './operation-request.js';
import { leaseKey } from './release-outcome.js';

const DEFAULT_HEARTBEAT_MS = 20_000;

/** What the heartbeat loop needs of its client. */
export interface HeartbeatHost {
  /** The leases the client holds, by leaseKey. */
  readonly leases: StableMap<string, Lease>;
  /** The interval the application fixed, if it did. */
  readonly fixedIntervalMs: number | undefined;
  /** The session hello's interval (0 before any hello or over HTTP). */
  helloIntervalMs(): number;
  /** False once the client is closed, or while its session is down (the reconnect re-acquires, which renews). */
  canSend(): boolean;
  /** True once the client is closed. */
  isClosed(): boolean;
  /** Sends one operation. */
  call(req: OperationRequest): Promise<unknown>;
  /** A lease was renewed until `expiresAt`; the node's non-production flag with it, when it sent one. */
  renewed(lease: Lease, expiresAt: number, nonProduction: boolean | undefined): void;
  /** A lease was lost. */
  lose(lease: Lease, error: LicensingError): void;
}

/** One batched heartbeat for every held lease, on a timer that follows the most demanding lease's interval. */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;

  constructor(private readonly host: HeartbeatHost) {}

  /** Arms the next heartbeat unless one is armed, the client is closed or holds nothing. */
  schedule(): void {
    if (this.timer || this.host.isClosed() || this.host.leases.size === 0) return;
    // A timeout chain rather than setInterval, so a new interval from the node applies at the next tick.
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.beat().finally(() => this.schedule());
    }, this.interval());
    this.timer.unref();
  }

  /** Disarms the timer. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Leases no answer of the node confirmed for their whole time to live (the node unreachable, the session down): the
   * node has freed them by now, so the application is told, rather than working on a slot another device may hold.
   * The time to live is three heartbeat intervals (the node asks for a heartbeat every third of it), counted from when
   * the last confirmation arrived here, so it ends a little after the node's own clock ends it, never before.
   */
  private expireOverdue(): void {
    const now = performance.now();
    for (const lease of [...this.host.leases.values()]) {
      const ttl = 3 * lease.heartbeatIntervalMs;
      const silent = now - leaseConfirmedAt(lease);
      if (silent <= ttl) continue;
      this.host.lose(
        lease,
        new LeaseLostError({
          code: 'LEASE_NOT_FOUND',
          detail: `no heartbeat reached the node for ${Math.round(silent)} ms, longer than the lease's ${ttl} ms time to live: the node has freed the slot`,
          data: { reason: 'expired', moduleId: lease.moduleId, holderId: lease.holderId, leaseId: lease.leaseId },
        }),
      );
    }
  }

  private interval(): number {
    if (this.host.fixedIntervalMs !== undefined) return this.host.fixedIntervalMs;
    // One batch serves every lease, so it follows the most demanding one: a module with a short TTL asks for more
    // frequent heartbeats in its lease answer than the session-wide default in the hello.
    const hello = this.host.helloIntervalMs();
    let min = hello > 0 ? hello : Number.POSITIVE_INFINITY;
    for (const l of this.host.leases.values())
      if (l.heartbeatIntervalMs > 0) min = Math.min(min, l.heartbeatIntervalMs);
    return Number.isFinite(min) ? min : DEFAULT_HEARTBEAT_MS;
  }

  private async beat(): Promise<void> {
    this.expireOverdue();
    if (this.inFlight || !this.host.canSend()) return;
    const leases = [...this.host.leases.values()];
    if (leases.length === 0) return;
    this.inFlight = true;
    const sent = leases.map((l) => ({ lease: l, leaseId: l.leaseId, active: takeLeaseActivity(l) }));
    try {
      const result = (await this.host.call({
        op: 'heartbeat',
        leases: sent.map((s) => ({
          moduleId: s.lease.moduleId,
          holderId: s.lease.holderId,
          leaseId: s.leaseId,
          active: s.active,
        })),
      })) as HeartbeatResult;
      for (const r of result.leases) {
        const lease = this.host.leases.get(leaseKey(r.moduleId, r.holderId));
        if (!lease) continue;
        if (r.ok) this.host.renewed(lease, r.expiresAt, r.nonProduction);
        else this.host.lose(lease, toLicensingError(r.error));
      }
    } catch {
      // A failed batch (connection, or refused as a whole like LICENSE_MISSING) says nothing about single leases:
      // keep them, and carry the activity over so EVICT_INACTIVE still learns the user was there.
      for (const s of sent) if (s.active) s.lease.touch();
    } finally {
      this.inFlight = false;
    }
  }
}
