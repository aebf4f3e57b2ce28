import { fail, ok, type Outcome } from '@licensor/protocol';
import type { HierarchyNode } from './hierarchy-node.js';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { AuditActor } from '../store/store.js';
import { allocateChild } from './allocate-child.js';
import { forgetChild } from './forget-child.js';
import { judgeChild } from './child-verdict.js';
import { DEFAULT_HIERARCHY_OPTIONS, type HierarchyOptions } from './hierarchy-options.js';
import { allocationAuthority } from './issue-allocation.js';
import type { NodeIdentity } from './node-identity.js';
import { ParentSide } from './parent-side.js';
import { registerChild } from './register-child.js';
import type { ChildState, NodeView, SyncRequest, SyncResponse } from './sync-messages.js';
import { toNodeView } from './node-view.js';

/** Events that change what a parent's children hold, and so what its own pools may grant. */
const CHILD_SHARE_EVENTS = new Set([
  'allocation.changed',
  'allocation.withdrawn',
  'allocation.restored',
  'node.registered',
  'node.forgotten',
]);

/**
 * The parent side of an enterprise tree: registers child nodes on their first sync, counts every one of them in the
 * pool of the child-node module this node holds (subordinate Data Servers block the latest beyond the quantity),
 * keeps their allocations within what this node holds, and answers every sync with a fresh allocation document, or a
 * signed withdrawal for a blocked child.
 */
export class HierarchyService {
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly side: ParentSide;
  private readonly verdicts = new Map<string, { state: ChildState; message: string }>();

  constructor(
    private readonly node: HierarchyNode,
    readonly identity: NodeIdentity,
    readonly options: HierarchyOptions = DEFAULT_HIERARCHY_OPTIONS,
  ) {
    this.side = new ParentSide(node, identity, options);
  }

  /**
   * Loads the registered children, counts what they hold once and hands that to the node's pools. Children not yet
   * counted in the child-node pool (registered before this node counted them all) are counted now, in the order they
   * registered, so each keeps its place in line.
   */
  async start(): Promise<void> {
    const children = await this.node.store.hierarchy.listChildren();
    this.side.children.replaceAll(children);
    const now = this.node.clock.now();
    await this.side.issued.load(
      children.map((c) => c.id),
      now,
    );
    this.side.recount(now);
    await this.side.publishTotals();
    const counting = this.side.countingModule();
    // A node without a valid license cannot count now; each child is counted at its next sync instead.
    if (counting)
      for (const c of children)
        if (c.countedAs !== counting.id) await this.node.syncMember(counting.id, c.id, undefined);
  }

  /**
   * Events another process committed (a shared store): when one changes what children hold (a registration, an
   * allocation, a withdrawal, a forgotten child), the shares are reloaded, so the pools this process owns stop granting
   * what was just handed to a child. Reloads are coalesced: one runs, one more waits.
   */
  foreignCommitted(events: readonly { type: string }[]): void {
    if (!events.some((e) => CHILD_SHARE_EVENTS.has(e.type))) return;
    this.refreshAgain = true;
    if (this.refreshing) return; // the loop running picks the flag up
    this.refreshing = (async () => {
      while (this.refreshAgain) {
        this.refreshAgain = false;
        await this.refresh().catch(() => undefined);
      }
      // In the same turn as the last check of the flag: an event arriving later starts a new loop.
      this.refreshing = null;
    })();
  }

  /**
   * Reloads every child from a shared store (registrations, allocations and removals made by other processes) and
   * hands the new sum to the pools. On the embedded store this process is the only writer, and memory is current.
   */
  async refresh(): Promise<void> {
    if (!this.side.shared) return;
    this.side.children.replaceAll(await this.node.store.hierarchy.listChildren());
    this.side.recount(this.node.clock.now());
    await this.side.publishIfChanged();
  }

  /**
   * Handles a child's sync: registers it the first time, counts it, records its report, answers with its allocation.
   * The child is known by its hardware key, so a restart with other flags, another name or a fresh data dir keeps its
   * record and its place in line; `countedAs` in the request is accepted and ignored.
   */
  async sync(req: SyncRequest, token: { id: string; role: string }): Promise<Outcome<SyncResponse>> {
    const registered = await registerChild(this.side, req, token, () => this.refresh());
    if (!registered.ok) return registered;
    const child = registered.value;
    const now = this.node.clock.now();
    const countedAs = this.side.countingModule()?.id ?? null;
    const verdict = await judgeChild(this.side, child);
    const report = { licenseState: req.licenseState, usage: req.usage, children: req.children };
    const update = { name: req.name, countedAs, publicKey: req.publicKey };
    await this.node.store.hierarchy.recordSync(child.id, now, report, update);
    Object.assign(child, { lastSyncAt: now, report, ...update });
    this.verdicts.set(child.id, verdict.verdict);
    return ok({
      nodeId: child.id,
      state: verdict.verdict.state,
      message: verdict.verdict.message,
      syncIntervalMs: this.options.syncIntervalMs,
      allocation: verdict.document,
      parent: { nodeId: this.identity.nodeId, publicKey: this.identity.publicKeyText },
      license: await this.issuedFileFor(req.hardwareKey),
    });
  }

  /** The newest license file this node signed for a hardware key (rentals renewed, licenses extended here), if any. */
  private async issuedFileFor(hardwareKey: string): Promise<string | null> {
    return (await this.node.store.billing.read((tx) => tx.latestIssuedForHardwareKey(hardwareKey)))?.text ?? null;
  }

  /** Sets a child's module quantities. The sum over children never exceeds what this node holds. */
  allocate(childId: string, modules: Record<string, unknown>, actor: AuditActor): Promise<Outcome<NodeView>> {
    return this.side.inLine(async () => {
      await this.refresh();
      const child = this.side.children.get(childId);
      if (!child) return unknownChild(childId);
      const done = await allocateChild(this.side, child, modules, actor);
      return done.ok ? ok(this.view(done.value, this.node.clock.now())) : done;
    });
  }

  /** A fresh allocation document for a child, to carry by hand to a site without a link (same checks as a sync). */
  async exportDocument(childId: string): Promise<Outcome<{ allocation: string; seq: number }>> {
    await this.refresh();
    const child = this.side.children.get(childId);
    if (!child) return unknownChild(childId);
    if (!child.allocation)
      return fail('NOT_FOUND', `child node ${childId} has no allocation yet (PUT /v1/nodes/${childId}/allocation)`, {
        field: 'nodeId',
      });
    const judged = await judgeChild(this.side, child);
    if (judged.verdict.state === 'blocked') return fail('SYNC_BLOCKED', judged.verdict.message);
    if (!judged.document) return fail('LICENSE_MISSING', judged.verdict.message);
    return ok({ allocation: judged.document, seq: child.allocationSeq });
  }

  /** Forgets a child: its allocation returns to this node and its place in the counting pool frees up. */
  forget(childId: string, actor: AuditActor): Promise<Outcome<{ id: string; forgotten: true }>> {
    // In line with allocations: one running meanwhile would see the child's documents in neither place.
    return this.side.inLine(async () => {
      await this.refresh();
      const child = this.side.children.get(childId);
      if (!child) return unknownChild(childId);
      this.verdicts.delete(childId);
      await forgetChild(this.side, child, actor);
      return ok({ id: childId, forgotten: true as const });
    });
  }

  /** The whole tree below this node, with what it holds and what it handed out. */
  list() {
    const now = this.node.clock.now();
    const authority = allocationAuthority(this.node);
    const held = Object.fromEntries([...this.node.heldQuantities].map(([k, v]) => [String(k), v]));
    const allocated = Object.fromEntries([...this.side.publishedTotals].map(([k, v]) => [String(k), v]));
    return {
      nodeId: this.identity.nodeId,
      publicKey: this.identity.publicKeyText,
      distributable: authority.ok,
      distributableDetail: authority.ok ? 'this node may allocate to its children' : authority.message,
      held,
      allocated,
      items: [...this.side.children.all()].map((c) => this.view(c, now)),
    };
  }

  /** One child as an admin sees it. */
  get(childId: string): Outcome<NodeView> {
    const child = this.side.children.get(childId);
    return child ? ok(this.view(child, this.node.clock.now())) : unknownChild(childId);
  }

  private view(c: ChildNodeRecord, now: number): NodeView {
    return toNodeView(c, this.verdicts.get(c.id) ?? this.countedVerdict(c), now, this.options.syncIntervalMs);
  }

  /** Before a child's first sync since this process started: blocked if its place in the counting pool is. */
  private countedVerdict(c: ChildNodeRecord): { state: ChildState; message: string } | null {
    const detail = c.countedAs === null ? null : this.node.poolDetail(c.countedAs);
    if (!detail?.ok || detail.value.pool.members.get(c.id)?.state !== 'blocked') return null;
    return {
      state: 'blocked',
      message: `blocked in ${detail.value.pool.module.name} (not synced since this node started)`,
    };
  }
}

/** The refusal for a node id no child of this node has. */
function unknownChild(childId: string) {
  return fail('NOT_FOUND', `no child node ${childId} is registered with this node`, { field: 'nodeId' });
}
