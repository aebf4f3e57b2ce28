import {
  type FrameSocket,
  newId,
  ok,
  type Outcome,
  sendTextFrame,
  type SessionPush,
  type SessionRequest,
  StableMap,
} from '@licensor/protocol';
import type { WebSocket } from 'ws';
import { toProblem } from '../transport/error-mapping.js';
import { isStoreUnavailable } from '../store/store-errors.js';
import { leaseView } from '../views/lease-view.js';
import { memberSyncView } from '../node/member-sync-view.js';
import type { SessionServices } from './session-services.js';
import type { StoredEvent } from '../store/store.js';
import { type LicenseSnapshot, licenseSnapshot } from '../transport/license-snapshot.js';
import type { SessionListener, SessionRegistry } from './session-registry.js';
import { validateSessionRequest } from './validate-session-request.js';

const LOST = new Map([
  ['slot.evicted', 'evicted'],
  ['slot.force_released', 'force_released'],
  ['slot.expired', 'expired'],
] as const);

type LostReason = 'evicted' | 'force_released' | 'expired';

/** Why a lease event took the slot away, in the words the application shows. */
function lostDetail(reason: LostReason, e: StoredEvent): string {
  if (reason === 'expired') return 'expired without heartbeat';
  if (reason === 'force_released') return `released by an administrator${e.data?.by ? ` (${String(e.data.by)})` : ''}`;
  return e.data?.reason === 'quantity_lowered'
    ? `evicted: the licensed quantity fell to ${String(e.data.quantity)}, below the slots in use`
    : 'evicted to make room for another device';
}

/** One SDK connection: answers requests, pushes what the application must learn at once, detaches on close. */
export class SdkSession implements SessionListener {
  readonly id = newId('ses');
  /** `moduleId:holderId` → leaseId of leases taken through this session (a StableMap: devices come and go all the time). */
  private readonly leases = new StableMap<string, string>();
  private readonly members = new Set<string>();
  private readonly quotas = new Set<number>();
  constructor(
    private readonly node: SessionServices,
    private readonly registry: SessionRegistry,
    private readonly socket: WebSocket,
    private readonly stillAuthorized: () => Promise<boolean> = async () => true,
    /** Told of every operation error, so a store that cannot be written shows on /readyz. */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  private closed = false;
  private authCheckedAt = performance.now();

  /** Every key this session watches, for unsubscribing on close. */
  private keys(): string[] {
    return [...this.leases.keys(), ...this.members, ...[...this.quotas].map((m) => `quota:${m}`)];
  }

  /** Greets the client and starts serving. */
  start(): void {
    this.registry.add(this);
    this.socket.on('message', (data) => void this.onMessage(String(data)));
    this.socket.on('close', () => {
      this.onClose().catch(() => {
        // A failed detach leaves the leases to their TTL; it must not take the process down.
      });
    });
    this.socket.on('error', () => this.socket.terminate());
    const license = licenseSnapshot(this.node.licensing, this.node.pools);
    this.push({
      push: 'hello',
      sessionId: this.id,
      heartbeatIntervalMs: 20_000,
      graceMs: this.node.admission.sessionGraceMs,
      nonProduction: license.nonProduction,
      license: { state: license.state, detail: license.detail, entitlements: license.entitlements },
    });
    if (license.state !== 'valid') this.push({ push: 'license.state', ...license });
  }

  private outbox: string[] = [];

  /**
   * Queues a message; everything queued before the next tick (a committed group's answers) leaves as one frame. The
   * next tick rather than the next turn: the answers leave before the group committer writes its next group.
   */
  private send(message: unknown): void {
    this.outbox.push(JSON.stringify(message));
    if (this.outbox.length === 1) process.nextTick(() => this.flush());
  }

  private flush(): void {
    const out = this.outbox;
    this.outbox = [];
    if (this.socket.readyState !== 1 || out.length === 0) return;
    sendTextFrame(
      this.socket as unknown as FrameSocket,
      out.length === 1 ? (out[0] as string) : `[${out.join(',')}]`,
      false,
    );
  }

  private push(p: SessionPush): void {
    this.send(p);
  }

  private async onMessage(text: string): Promise<void> {
    if (performance.now() - this.authCheckedAt > 2000) {
      this.authCheckedAt = performance.now();
      if (!(await this.stillAuthorized())) return this.revoke();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.send({ id: 0, ok: false, error: toProblem({ code: 'VALIDATION_FAILED', message: 'message is not JSON' }) });
      return;
    }
    // A message is one request or an array of them (the SDK batches what it sends in one turn of its event loop).
    if (Array.isArray(parsed)) {
      if (parsed.length > 10_000) {
        this.send({
          id: 0,
          ok: false,
          error: toProblem({
            code: 'VALIDATION_FAILED',
            message: 'at most 10000 requests per message',
            field: 'message',
          }),
        });
        return;
      }
      await Promise.all(parsed.map((r) => this.onRequest(r)));
    } else await this.onRequest(parsed);
  }

  /** The session's token was revoked: say so and close (code 4401), whether or not the client is speaking. */
  revoke(): void {
    if (this.socket.readyState !== 1) return;
    this.send({
      id: 0,
      ok: false,
      error: toProblem({ code: 'UNAUTHENTICATED', message: 'the API token of this session was revoked' }),
    });
    this.flush();
    this.socket.close(4401, 'token revoked');
  }

  private async onRequest(raw: unknown): Promise<void> {
    const req = validateSessionRequest(raw);
    if (!req.ok) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : 0;
      this.send({ id, ok: false, error: toProblem(req) });
      return;
    }
    try {
      const result = await this.handle(req.value);
      this.send(
        result.ok
          ? { id: req.value.id, ok: true, result: result.value }
          : { id: req.value.id, ok: false, error: toProblem(result) },
      );
    } catch (err) {
      this.onError(err);
      const error = isStoreUnavailable(err)
        ? toProblem({
            code: 'STORE_UNAVAILABLE',
            message:
              'the store cannot be written right now (disk full, read-only or unreachable); nothing was changed, retry later',
            data: { retryAfterSeconds: 2 },
          })
        : toProblem({ code: 'INTERNAL', message: `unexpected error: ${(err as Error).message}` });
      this.send({ id: req.value.id, ok: false, error });
    }
  }

  private async handle(r: SessionRequest): Promise<Outcome<unknown>> {
    const { admission, licensing } = this.node;
    switch (r.op) {
      case 'acquire': {
        const o = await admission.acquire(r.moduleId, r.holderId, this.id);
        if (!o.ok) return o;
        const key = `${r.moduleId}:${r.holderId}`;
        this.leases.set(key, o.value.lease.leaseId);
        if (!this.closed) this.registry.watch(this, key);
        const ttl = licensing.catalog.modules.get(r.moduleId)?.heartbeatTtlSeconds ?? 60;
        return { ok: true, value: leaseView(o.value.lease, ttl, o.value.reacquired, licensing.nonProduction) };
      }
      case 'heartbeat': {
        const results = await Promise.all(
          r.leases.map(async (l) => {
            const o = await admission.heartbeat(l.moduleId, l.holderId, l.leaseId, l.active);
            if (!o.ok) this.forget(`${l.moduleId}:${l.holderId}`);
            return o.ok
              ? {
                  moduleId: l.moduleId,
                  holderId: l.holderId,
                  ok: true as const,
                  expiresAt: o.value.expiresAt,
                  nonProduction: licensing.nonProduction,
                }
              : { moduleId: l.moduleId, holderId: l.holderId, ok: false as const, error: toProblem(o) };
          }),
        );
        return { ok: true, value: { leases: results } };
      }
      case 'release': {
        this.forget(`${r.moduleId}:${r.holderId}`);
        return admission.release(r.moduleId, r.holderId, r.leaseId);
      }
      case 'member.sync': {
        const o = await admission.syncMember(r.moduleId, r.memberId, r.features);
        if (!o.ok) return o;
        this.members.add(`${r.moduleId}:${r.memberId}`);
        if (!this.closed) this.registry.watch(this, `${r.moduleId}:${r.memberId}`);
        return ok(memberSyncView(licensing, r.moduleId, o.value));
      }
      case 'quota.report': {
        this.quotas.add(r.moduleId);
        if (!this.closed) this.registry.watch(this, `quota:${r.moduleId}`);
        return admission.reportQuota(r.moduleId, r.count);
      }
      case 'quota.check':
        return admission.checkOperation(r.moduleId, r.operation);
      case 'profile.check':
        return admission.checkProfile(r.moduleId, r.features);
      case 'enabled':
        return admission.isEnabled(r.moduleId);
      case 'status': {
        const s = licensing.licenseState();
        return {
          ok: true,
          value: {
            license: s,
            nonProduction: licensing.nonProduction,
            sessionId: this.id,
            catalog: [...licensing.catalog.modules.values()],
          },
        };
      }
    }
  }

  private forget(key: string): void {
    this.leases.delete(key);
    if (!this.members.has(key)) this.registry.unwatch(this, key);
  }

  /** Forgets a lease of this session the node took away, and tells the client why. */
  private lost(key: string, e: StoredEvent, reason: LostReason, detail: string): void {
    const leaseId = this.leases.get(key) as string;
    this.forget(key);
    this.push({
      push: 'lease.lost',
      moduleId: e.moduleId as number,
      holderId: e.subject as string,
      leaseId,
      reason,
      detail,
    });
  }

  /** A license change: every session learns the new state, non-production flag and entitlements at once. */
  onLicenseEvent(_event: StoredEvent, license: LicenseSnapshot): void {
    this.push({ push: 'license.state', ...license });
  }

  /** An event about a lease, member or quota this session watches. */
  onSubjectEvent(e: StoredEvent, key: string): void {
    const reason = LOST.get(e.type as 'slot.evicted');
    if (reason && this.leases.has(key) && (e.data?.leaseId === undefined || e.data.leaseId === this.leases.get(key))) {
      this.lost(key, e, reason, lostDetail(reason, e));
    } else if (
      (e.type === 'slot.acquired' || e.type === 'slot.reacquired') &&
      this.leases.has(key) &&
      e.data?.sessionId != null &&
      e.data.sessionId !== this.id
    ) {
      // The same device id re-took the slot through another session: after a crash or a reconnect this session is
      // gone and hears nothing; if it is alive, two devices claim one id, and the one that took the slot first is told
      // it lost it, so one slot never serves two running devices.
      this.lost(
        key,
        e,
        'evicted',
        `taken over by another connection claiming the same device id (${String(e.subject)}): one slot serves one running device`,
      );
    } else if ((e.type === 'member.blocked' || e.type === 'member.unblocked') && this.members.has(key)) {
      const blocked = e.type === 'member.blocked';
      const reason = blocked ? (e.data?.reason as 'beyond_quantity' | 'features_unlicensed' | undefined) : undefined;
      const missing =
        blocked && Array.isArray(e.data?.modules) && e.data.modules.length ? (e.data.modules as number[]) : undefined;
      this.push({
        push: 'member.state',
        moduleId: e.moduleId as number,
        memberId: e.subject as string,
        state: blocked ? 'blocked' : 'active',
        position: Number(e.data?.position ?? 0),
        quantity: (e.data?.quantity as number | null) ?? null,
        ...(reason ? { reason } : {}),
        ...(missing ? { missingFeatures: missing } : {}),
      });
    } else if (e.type === 'quota.exceeded' || e.type === 'quota.restored') {
      this.push({
        push: 'quota.state',
        moduleId: e.moduleId as number,
        state: e.type === 'quota.exceeded' ? 'over_quota' : 'ok',
        count: Number(e.data?.count ?? 0),
        quantity: (e.data?.quantity as number | null) ?? null,
      });
    }
  }

  private async onClose(): Promise<void> {
    this.closed = true;
    this.registry.remove(this, this.keys());
    await this.node.admission.detachSession(this.id);
  }
}
