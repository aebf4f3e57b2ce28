import { type AllocationPayload, fail, ok, type Outcome, verifyAllocationDocument } from '@licensor/protocol';
import { takeRenewedLicense } from '../billing/renewed-license-file.js';
import type { Logger } from '../log/logger.js';
import type { HierarchyNode } from './hierarchy-node.js';
import type { AuditActor } from '../store/store.js';
import type { HierarchyService } from './hierarchy-service.js';
import type { NodeIdentity } from './node-identity.js';
import type { SyncRequest, SyncResponse } from './sync-messages.js';

/** How a child node reaches its parent. */
export interface UpstreamOptions {
  url: string;
  token: string;
  name: string;
  countedAs: number | null;
  /** The parent's key to trust; when absent, the key of the first parent answer is pinned (trust on first use). */
  parentPublicKey: string | null;
  /** Sync interval until the parent sets one. */
  initialIntervalMs: number;
  /** How long one sync request may take. */
  timeoutMs: number;
  /** Extra fetch options (a custom TLS agent). */
  fetchImpl?: typeof fetch;
  /** Where failed syncs and refused documents are logged; default: nowhere. */
  log?: Logger;
}

/** What an admin sees of a node's upstream link (`GET /v1/upstream`). */
export interface UpstreamStatus {
  url: string;
  nodeId: string | null;
  parentNodeId: string | null;
  state: 'connecting' | 'active' | 'blocked' | 'unlicensed' | 'unreachable' | 'refused';
  message: string;
  lastSyncAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  syncIntervalMs: number;
  allocation: {
    id: string;
    seq: number;
    entitlements: { moduleId: number; quantity: number | null }[];
    notAfter: string;
  } | null;
}

const META = {
  nodeId: 'upstream.node_id',
  parentKey: 'upstream.parent_key',
  allocation: 'upstream.allocation',
  seq: 'upstream.allocation_seq',
} as const;

/**
 * The child side of an enterprise tree: syncs with the parent on the interval it sets, takes the allocation
 * documents it sends (verified like license files, never older than the one held), reports usage of this node and
 * its own subtree, and keeps serving on the last allocation while the parent is unreachable, until its window ends.
 */
export class UpstreamSync {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private nodeId: string | null = null;
  private parentKey: string | null;
  private highestSeq = 0;
  private status: UpstreamStatus;

  constructor(
    private readonly node: HierarchyNode,
    private readonly identity: NodeIdentity,
    private readonly hierarchy: HierarchyService | null,
    private readonly options: UpstreamOptions,
  ) {
    this.parentKey = options.parentPublicKey;
    this.status = {
      url: options.url,
      nodeId: null,
      parentNodeId: null,
      state: 'connecting',
      message: 'not synced yet',
      lastSyncAt: null,
      lastAttemptAt: null,
      lastError: null,
      syncIntervalMs: options.initialIntervalMs,
      allocation: null,
    };
  }

  /** Restores the stored allocation (so the node serves before the first sync) and starts syncing. */
  async start(): Promise<void> {
    const store = this.node.store;
    this.nodeId = await store.getMeta(META.nodeId);
    this.parentKey ??= await store.getMeta(META.parentKey);
    this.highestSeq = Number((await store.getMeta(META.seq)) ?? 0) || 0;
    this.status.nodeId = this.nodeId;
    const text = await store.getMeta(META.allocation);
    if (text) {
      // Signatures and bindings only: an allocation whose window has ended is still held, and refuses by its dates.
      const v = this.verify(text, null);
      if (v.ok) await this.node.setAllocation({ payload: v.value, text, receivedAt: this.node.clock.now() });
      else this.options.log?.warn(`the stored allocation is not valid any more and is ignored: ${v.message}`);
    }
    this.describeAllocation();
    this.schedule(0);
  }

  /** Stops syncing; waits for a sync in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** The link's state for admins. */
  get state(): UpstreamStatus {
    return this.status;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.syncNow().finally(() => {
        this.running = null;
      });
    }, ms);
    this.timer.unref();
  }

  /** One sync with the parent; schedules the next one. */
  async syncNow(): Promise<void> {
    const at = this.node.clock.now();
    this.status.lastAttemptAt = new Date(at).toISOString();
    // Read after the sync: the parent's answer sets the interval.
    let next: number | null = null;
    try {
      const res = await this.post(this.request());
      if (res.ok) await this.apply(res.body);
      else {
        const wasReachable = this.status.state !== 'unreachable';
        this.status.state = res.reachable ? 'refused' : 'unreachable';
        this.status.lastError = res.message;
        this.status.message = `${res.message}${this.offlineOutlook(at)}`;
        if (!res.reachable && wasReachable)
          await this.node.publish([
            { type: 'upstream.unreachable', subject: this.options.url, data: { error: res.message } },
          ]);
        this.options.log?.warn({ url: this.options.url }, `upstream sync failed: ${res.message}`);
        // While the parent is away, look again sooner than a long interval would, so service resumes promptly.
        next = Math.min(this.status.syncIntervalMs, 10_000);
      }
    } catch (err) {
      this.status.lastError = (err as Error).message;
      this.options.log?.warn({ url: this.options.url, err }, 'upstream sync failed');
    }
    this.schedule(next ?? this.status.syncIntervalMs);
  }

  private request(): SyncRequest {
    const usage = this.node
      .listPools()
      .filter((p) => p.licensed)
      .map((p) => ({ moduleId: p.moduleId, quantity: p.quantity, used: p.used, blocked: p.blocked }));
    return {
      hardwareKey: this.node.options.hardwareKey.key,
      name: this.options.name,
      countedAs: this.options.countedAs,
      publicKey: this.identity.publicKeyText,
      allocationSeq: this.node.heldAllocation?.payload.seq ?? null,
      licenseState: this.node.licenseState().state,
      usage,
      children: this.hierarchy ? this.hierarchy.list().items : [],
    };
  }

  private async post(
    body: SyncRequest,
  ): Promise<{ ok: true; body: SyncResponse } | { ok: false; reachable: boolean; message: string }> {
    const doFetch = this.options.fetchImpl ?? fetch;
    let res: Response;
    try {
      res = await doFetch(`${this.options.url.replace(/\/+$/, '')}/v1/nodes/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      return { ok: false, reachable: false, message: `parent ${this.options.url} is unreachable (${cause})` };
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: the status line and the first characters go into the message below.
    }
    if (res.ok && json) return { ok: true, body: json as SyncResponse };
    const problem = json as { code?: string; message?: string } | null;
    // A 5xx is the parent (or a proxy in front of it) failing: treated like an unreachable parent.
    return {
      ok: false,
      reachable: res.status < 500,
      message: `parent answered ${res.status}${problem?.code ? ` ${problem.code}` : ''}: ${problem?.message ?? text.slice(0, 200)}`,
    };
  }

  private async apply(res: SyncResponse): Promise<void> {
    const store = this.node.store;
    if (this.parentKey && res.parent.publicKey !== this.parentKey) {
      this.status.state = 'refused';
      this.status.lastError = `the parent answered with key ${res.parent.publicKey}, not the pinned ${this.parentKey}; nothing it sends is taken`;
      this.options.log?.warn(this.status.lastError);
      return;
    }
    if (!this.parentKey) {
      this.parentKey = res.parent.publicKey;
      await store.setMeta(META.parentKey, this.parentKey);
    }
    if (this.nodeId !== res.nodeId) {
      this.nodeId = res.nodeId;
      await store.setMeta(META.nodeId, res.nodeId);
    }
    // A renewed rental or extended license the parent signed for this node: taken without restart.
    if (res.license) {
      const taken = await takeRenewedLicense(this.node, res.license, { tokenId: null, name: 'upstream sync' });
      if (!taken.ok) this.options.log?.warn(`license file from the parent refused: ${taken.message}`);
    }
    const previous = this.status.state;
    Object.assign(this.status, {
      nodeId: res.nodeId,
      parentNodeId: res.parent.nodeId,
      message: res.message,
      lastError: null,
      lastSyncAt: new Date(this.node.clock.now()).toISOString(),
    });
    this.status.syncIntervalMs = Math.max(100, res.syncIntervalMs);
    if (previous === 'unreachable')
      await this.node.publish([{ type: 'upstream.restored', subject: this.options.url, data: {} }]);
    if (res.state === 'blocked') {
      await this.blocked(res);
      return;
    }
    if (previous === 'blocked' || this.node.blockedByParent !== null) {
      await this.node.setBlockedBy(null);
      await this.node.publish([{ type: 'upstream.unblocked', subject: res.nodeId, data: {} }]);
    }
    this.status.state = res.state;
    if (!res.allocation) {
      if (this.node.heldAllocation) await this.withdraw(res.message);
      return;
    }
    const taken = await this.take(res.allocation, { tokenId: null, name: 'upstream sync' });
    if (!taken.ok) {
      this.status.lastError = `allocation from the parent refused: ${taken.message}`;
      this.options.log?.warn(this.status.lastError);
    }
  }

  /**
   * The parent blocks this node: its allocation stops counting at once, and the signed withdrawal the parent sends (a
   * document granting nothing, with a higher seq) replaces it, so the old one cannot be installed again. Work under a
   * license of this node's own continues.
   */
  private async blocked(res: SyncResponse): Promise<void> {
    const was = this.node.blockedByParent;
    await this.node.setBlockedBy(res.message);
    if (res.allocation) {
      const taken = await this.take(res.allocation, { tokenId: null, name: 'upstream sync' }, res.message);
      if (!taken.ok) {
        this.status.lastError = `withdrawal from the parent refused: ${taken.message}`;
        this.options.log?.warn(this.status.lastError);
      }
    } else if (this.node.heldAllocation?.payload.entitlements.length) {
      // A parent that sends no signed withdrawal: the allocation is dropped here all the same.
      await this.withdraw(res.message);
    }
    const own = this.node.licenseState();
    // State and words together, so an admin never reads one without the other.
    Object.assign(this.status, {
      state: 'blocked',
      message: `${res.message}. Its allocation is withdrawn; ${own.state === 'valid' ? "work under this node's own license continues" : 'client work is refused (this node has no valid license of its own)'}`,
    });
    if (was !== res.message)
      await this.node.publish([{ type: 'upstream.blocked', subject: res.nodeId, data: { message: res.message } }]);
  }

  private async withdraw(reason: string): Promise<void> {
    const held = this.node.heldAllocation;
    await this.node.store.setMeta(META.allocation, '');
    await this.node.setAllocation(null);
    this.describeAllocation();
    // Dropping a document that granted nothing (a withdrawal already recorded) is no news.
    if (held?.payload.entitlements.length)
      await this.node.publish([{ type: 'allocation.withdrawn', subject: held.payload.id, data: { reason } }]);
  }

  private verify(text: string, at: number | null): Outcome<AllocationPayload> {
    const issuer = this.node.options.issuerPublicKey;
    if (!issuer)
      return fail(
        'LICENSE_MISSING',
        'the node has no issuer public key configured (--issuer-public-key), so it cannot check allocations',
      );
    const v = verifyAllocationDocument(text, {
      issuerPublicKey: issuer,
      hardwareKey: this.node.options.hardwareKey.key,
      parentPublicKey: this.parentKey,
      at,
    });
    return v.ok ? ok(v.value.payload) : v;
  }

  /**
   * Takes an allocation document (from a sync, or installed by hand on a site without a link): verified at the
   * current time, for this node, and never older than the newest one this node has held, so an old document cannot
   * be replayed to bring back old quantities.
   */
  async take(text: string, actor: AuditActor, reason?: string): Promise<Outcome<AllocationPayload>> {
    const v = this.verify(text, this.node.clock.now());
    if (!v.ok) return v;
    const a = v.value;
    const held = this.node.heldAllocation?.payload ?? null;
    if (a.seq < this.highestSeq)
      return fail(
        'ALLOCATION_STALE',
        `allocation seq ${a.seq} is older than seq ${this.highestSeq} this node already took; an old allocation cannot be replayed`,
      );
    if (held && a.seq === held.seq && Date.parse(a.notAfter) <= Date.parse(held.notAfter)) return ok(held);
    const changed = !held || held.seq !== a.seq;
    await this.node.store.setMeta(META.allocation, text);
    if (a.seq > this.highestSeq) {
      this.highestSeq = a.seq;
      await this.node.store.setMeta(META.seq, String(a.seq));
    }
    await this.node.setAllocation({ payload: a, text, receivedAt: this.node.clock.now() });
    this.describeAllocation();
    if (changed) {
      const data = {
        seq: a.seq,
        parent: a.parent.nodeId,
        entitlements: a.entitlements,
        notAfter: a.notAfter,
        by: actor.name,
        ...(reason ? { reason } : {}),
      };
      // A document granting nothing is the parent's signed withdrawal.
      await this.node.publish([
        { type: a.entitlements.length ? 'allocation.received' : 'allocation.withdrawn', subject: a.id, data },
      ]);
    }
    return ok(a);
  }

  /** What a failed sync leaves the node serving on: the held allocation until its window ends, or nothing once it has. */
  private offlineOutlook(at: number): string {
    const a = this.node.heldAllocation?.payload;
    if (!a) return '';
    if (at < Date.parse(a.notAfter)) return `; serving on the held allocation until its window ends at ${a.notAfter}`;
    return `; the held allocation ended at ${a.notAfter}: its client work is refused until the parent is reached`;
  }

  private describeAllocation(): void {
    const a = this.node.heldAllocation?.payload;
    this.status.allocation = a ? { id: a.id, seq: a.seq, entitlements: a.entitlements, notAfter: a.notAfter } : null;
  }
}
