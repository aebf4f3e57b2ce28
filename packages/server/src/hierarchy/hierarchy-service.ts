import { type ModuleDefinition, modulesWithRole, planAllocation, sumAllocations } from '@licensor/core';
import { fail, newId, ok, type Outcome } from '@licensor/protocol';
import type { HierarchyNode } from './hierarchy-node.js';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { AuditActor, NewEvent, StoredEvent } from '../store/store.js';
import { eventId } from '../store/store.js';
import { allocationAuthority, issueAllocation } from './issue-allocation.js';
import { IssuedDocuments } from './issued-documents.js';
import type { NodeIdentity } from './node-identity.js';
import type { ChildState, NodeView, SyncRequest, SyncResponse } from './sync-messages.js';
import { toNodeView } from './node-view.js';

/** Settings a parent node gives its children. */
export interface HierarchyOptions {
  /** How often children sync. */
  syncIntervalMs: number;
  /** How long an allocation document stays valid without a sync: the child's offline grace. */
  allocationWindowMs: number;
  /** Child nodes one `node` token may register (default 10); admin tokens are not capped. */
  maxChildrenPerToken?: number;
}

/** Defaults that suit a restaurant chain whose links fail for hours: sync every minute, serve three days offline. */
export const DEFAULT_HIERARCHY_OPTIONS: HierarchyOptions = {
  syncIntervalMs: 60_000,
  allocationWindowMs: 72 * 3_600_000,
};

/** Where the seq of a child's signed withdrawal is kept: the child is withdrawn while its allocation seq equals it. */
const withdrawnKey = (childId: string) => `hierarchy.withdrawn_seq.${childId}`;

/**
 * The parent side of an enterprise tree: registers child nodes on their first sync, counts every one of them in the
 * pool of the child-node module this node holds (subordinate Data Servers block the latest beyond the quantity),
 * keeps their allocations within what this node holds, and answers every sync with a fresh allocation document, or a
 * signed withdrawal for a blocked child.
 */
export class HierarchyService {
  private readonly children = new Map<string, ChildNodeRecord>();
  private readonly byHardwareKey = new Map<string, string>();
  private readonly verdicts = new Map<string, { state: ChildState; message: string }>();
  /** Allocation changes run one at a time, so the sum check and the write see the same state. */
  private allocating: Promise<unknown> = Promise.resolve();
  /** Running total of what the children were allocated, per module. */
  private out = new Map<number, number>();
  /** What signed documents still in the children's hands grant: it counts until they end. */
  private readonly issuedDocs: IssuedDocuments;

  constructor(
    private readonly node: HierarchyNode,
    readonly identity: NodeIdentity,
    readonly options: HierarchyOptions = DEFAULT_HIERARCHY_OPTIONS,
  ) {
    this.issuedDocs = new IssuedDocuments(node.store, options.allocationWindowMs);
  }

  /**
   * Loads the registered children and hands their allocations' sum to the node's pools. Children not yet counted in
   * the child-node pool (registered before this node counted them all) are counted now, in the order they registered,
   * so each keeps its place in line.
   */
  async start(): Promise<void> {
    const children = await this.node.store.hierarchy.listChildren();
    for (const c of children) this.remember(c);
    await this.issuedDocs.load(
      children.map((c) => c.id),
      this.node.clock.now(),
    );
    this.out = this.allocatedOut();
    await this.node.setAllocatedOut(new Map(this.out));
    const counting = this.countingModule();
    // A node without a valid license cannot count now; each child is counted at its next sync instead.
    if (counting)
      for (const c of children)
        if (c.countedAs !== counting.id) await this.node.syncMember(counting.id, c.id, undefined);
  }

  /**
   * The module whose pool counts this node's children: the first module with the child-node role that this node's
   * license or allocation grants, or null when none does. The parent decides; what a child asks for does not matter.
   */
  private countingModule(): ModuleDefinition | null {
    return modulesWithRole(this.node.catalog, 'child-nodes').find((m) => this.node.heldQuantities.has(m.id)) ?? null;
  }

  private remember(c: ChildNodeRecord): void {
    this.children.set(c.id, c);
    this.byHardwareKey.set(c.hardwareKey, c.id);
  }

  /** True when other processes write the same store (PostgreSQL): what is in memory may be behind. */
  private get shared(): boolean {
    return this.node.store.kind !== 'sqlite';
  }

  /**
   * Reloads every child from a shared store (registrations, allocations and removals made by other processes) and
   * hands the new sum to the pools. On the embedded store this process is the only writer, and memory is current.
   */
  async refresh(): Promise<void> {
    if (!this.shared) return;
    const stored = await this.node.store.hierarchy.listChildren();
    this.children.clear();
    this.byHardwareKey.clear();
    for (const c of stored) this.remember(c);
    const out = this.allocatedOut();
    if ([...out].some(([k, v]) => this.out.get(k) !== v) || out.size !== this.out.size) {
      this.out = out;
      await this.node.setAllocatedOut(new Map(out));
    }
  }

  /**
   * What the children hold, per module: each child's allocation, or more where a document it still holds grants more
   * (lowered or withdrawn since, but valid until its window ends), plus what forgotten children's documents still grant.
   */
  private allocatedOut(): Map<number, number> {
    const now = this.node.clock.now();
    return sumAllocations([
      ...[...this.children.values()].map((c) => this.effective(c, now)),
      this.issuedDocs.forgottenOut(now),
    ]);
  }

  /** A child's share as the parent must count it: the larger of its allocation and what its valid documents grant. */
  private effective(child: ChildNodeRecord, now: number): Map<number, number> {
    const out = modulesOf(child);
    for (const [id, q] of this.issuedDocs.ceiling(child.id, now)) out.set(id, Math.max(out.get(id) ?? 0, q));
    return out;
  }

  /**
   * Handles a child's sync: registers it the first time, counts it, records its report, answers with its allocation.
   * The child is known by its hardware key, so a restart with other flags, another name or a fresh data dir keeps its
   * record and its place in line; `countedAs` in the request is accepted and ignored.
   */
  async sync(req: SyncRequest, token: { id: string; role: string }): Promise<Outcome<SyncResponse>> {
    if (req.hardwareKey === this.node.options.hardwareKey.key)
      return fail('VALIDATION_FAILED', "hardwareKey is this node's own: a node cannot be its own child", {
        field: 'hardwareKey',
      });
    const now = this.node.clock.now();
    const countedAs = this.countingModule()?.id ?? null;
    let child = this.children.get(this.byHardwareKey.get(req.hardwareKey) ?? '');
    if (this.shared) {
      // Another process may have registered this child, or changed its allocation, since this one last saw it.
      const stored = await this.node.store.hierarchy.findChildByHardwareKey(req.hardwareKey);
      if (stored) {
        child = stored;
        this.remember(stored);
      }
    }
    if (child?.tokenId && child.tokenId !== token.id && token.role !== 'admin') {
      return fail(
        'FORBIDDEN',
        'this hardware key is registered by another node token; sync with that token (or forget the node first)',
      );
    }
    if (!child && token.role === 'node') {
      const max = this.options.maxChildrenPerToken ?? 10;
      if (this.shared) await this.refresh();
      const registered = [...this.children.values()].filter((c) => c.tokenId === token.id).length;
      if (registered >= max)
        return fail(
          'CHILD_LIMIT_REACHED',
          `this node token has registered ${registered} child nodes, the most this node allows (--max-children-per-token ${max}); forget one or use another token`,
        );
    }
    if (!child) {
      child = {
        id: newId('node'),
        name: req.name,
        hardwareKey: req.hardwareKey,
        countedAs,
        publicKey: req.publicKey,
        tokenId: token.id,
        registeredAt: now,
        lastSyncAt: now,
        report: null,
        allocation: null,
        allocationSeq: 0,
        allocationUpdatedAt: null,
      };
      const event: NewEvent = {
        type: 'node.registered',
        moduleId: countedAs,
        subject: child.id,
        data: { name: req.name, hardwareKey: req.hardwareKey, countedAs },
        at: now,
      };
      try {
        const seq = await this.node.store.hierarchy.insertChild(child, event);
        this.node.announce([{ ...event, seq, id: eventId(seq) } as StoredEvent]);
      } catch (err) {
        // Two processes registering the same child at once: the other one won; use its record.
        const stored = this.shared ? await this.node.store.hierarchy.findChildByHardwareKey(req.hardwareKey) : null;
        if (!stored) throw err;
        child = stored;
      }
      this.remember(child);
    }
    const verdict = await this.judge(child);
    const report = { licenseState: req.licenseState, usage: req.usage, children: req.children };
    await this.node.store.hierarchy.recordSync(child.id, now, report, {
      name: req.name,
      countedAs,
      publicKey: req.publicKey,
    });
    Object.assign(child, { lastSyncAt: now, report, name: req.name, countedAs, publicKey: req.publicKey });
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

  /**
   * Decides what a child gets now: counted in the child-node pool, then its allocation under this node's authority.
   * A blocked child gets a signed withdrawal; once served again, a fresh document with a higher seq.
   */
  private async judge(
    child: ChildNodeRecord,
  ): Promise<{ verdict: { state: ChildState; message: string }; document: string | null }> {
    const counting = this.countingModule();
    if (counting) {
      const counted = await this.node.syncMember(counting.id, child.id, undefined);
      if (!counted.ok) {
        const unlicensed =
          counted.code === 'LICENSE_MISSING' ||
          counted.code === 'LICENSE_EXPIRED' ||
          counted.code === 'LICENSE_NOT_YET_VALID' ||
          counted.code === 'SYNC_BLOCKED';
        return {
          verdict: {
            state: unlicensed ? 'unlicensed' : 'blocked',
            message: `the parent refuses this node: ${counted.message}`,
          },
          document: null,
        };
      }
      const { member, quantity } = counted.value as {
        member: { state: string };
        position: number;
        quantity: number | null;
      };
      if (member.state === 'blocked') {
        const message = `the parent's license allows ${quantity} ${counting.name}; this node connected later than those and is blocked until one is removed or the license grows`;
        return { verdict: { state: 'blocked', message }, document: await this.withdrawal(child, message) };
      }
    }
    const authority = allocationAuthority(this.node);
    if (!authority.ok)
      return {
        verdict: { state: 'unlicensed', message: `the parent has nothing to allocate: ${authority.message}` },
        document: null,
      };
    if (!child.allocation)
      return {
        verdict: { state: 'active', message: 'registered; no allocation has been assigned to this node yet' },
        document: null,
      };
    // Served again after a withdrawal: a new seq, so the child takes it over the withdrawal it holds.
    if (await this.withdrawn(child)) await this.newSeq(child, 'allocation.restored', {});
    const document = issueAllocation(this.identity, this.node, authority.value, child, this.options.allocationWindowMs);
    await this.issuedDocs.issued(child.id, child.allocation, this.node.clock.now());
    return { verdict: { state: 'active', message: `allocation seq ${child.allocationSeq}` }, document };
  }

  /** True when the child's current allocation seq is the one its withdrawal was signed with. */
  private async withdrawn(child: ChildNodeRecord): Promise<boolean> {
    return (
      child.allocationSeq > 0 && (await this.node.store.getMeta(withdrawnKey(child.id))) === String(child.allocationSeq)
    );
  }

  /**
   * A blocked child's withdrawal: an allocation document granting nothing, signed with a seq above every document the
   * child was given, so the child drops what it held and can never install an older one again. Null when this node
   * has no authority to sign under (the child then drops its allocation by itself).
   */
  private async withdrawal(child: ChildNodeRecord, reason: string): Promise<string | null> {
    const authority = allocationAuthority(this.node);
    if (!authority.ok) return null;
    if (!(await this.withdrawn(child))) {
      if (!(await this.newSeq(child, 'allocation.withdrawn', { reason }))) return null;
      await this.node.store.setMeta(withdrawnKey(child.id), String(child.allocationSeq));
    }
    return issueAllocation(
      this.identity,
      this.node,
      authority.value,
      { ...child, allocation: {} },
      this.options.allocationWindowMs,
    );
  }

  /**
   * Gives a child's unchanged allocation a new seq, with an event. Runs in line with allocation changes, and is skipped
   * (false) when the stored allocation differs from the one in hand: another change came first; the next sync retries.
   */
  private newSeq(
    child: ChildNodeRecord,
    type: 'allocation.withdrawn' | 'allocation.restored',
    data: Record<string, unknown>,
  ): Promise<boolean> {
    const run = this.allocating.then(async () => {
      const now = this.node.clock.now();
      const event: NewEvent = { type, moduleId: null, subject: child.id, data: { name: child.name, ...data }, at: now };
      const same = JSON.stringify(child.allocation);
      const guard = (stored: ChildNodeRecord[]) =>
        JSON.stringify(stored.find((c) => c.id === child.id)?.allocation ?? null) === same
          ? null
          : fail('CONFLICT', 'the allocation changed meanwhile');
      const written = await this.node.store.hierarchy.setAllocation(
        child.id,
        child.allocation,
        now,
        event,
        null,
        guard,
      );
      if ('refused' in written) return false;
      Object.assign(child, { allocationSeq: written.seq, allocationUpdatedAt: now });
      this.node.announce([
        {
          ...event,
          data: { ...event.data, seq: written.seq },
          seq: written.eventSeq,
          id: eventId(written.eventSeq),
        } as StoredEvent,
      ]);
      return true;
    });
    this.allocating = run.catch(() => {});
    return run;
  }

  /** Sets a child's module quantities. The sum over children never exceeds what this node holds. */
  allocate(childId: string, modules: Record<string, unknown>, actor: AuditActor): Promise<Outcome<NodeView>> {
    const run = this.allocating.then(() => this.allocateNow(childId, modules, actor));
    this.allocating = run.catch(() => {});
    return run;
  }

  private async allocateNow(
    childId: string,
    modules: Record<string, unknown>,
    actor: AuditActor,
  ): Promise<Outcome<NodeView>> {
    await this.refresh();
    const child = this.children.get(childId);
    if (!child) return unknownChild(childId);
    const authority = allocationAuthority(this.node);
    if (!authority.ok) return fail(authority.code, authority.message);
    // What the others hold, counted as allocatedOut() does: documents still valid count until they end.
    const now0 = this.node.clock.now();
    const toOthers = this.allocatedOut();
    for (const [id, q] of this.effective(child, now0)) toOthers.set(id, (toOthers.get(id) ?? 0) - q);
    const held = new Map(this.node.heldQuantities);
    const plan = planAllocation(this.node.catalog, held, toOthers, modules);
    if (!plan.ok) return plan;
    // Checked again inside the write, against every child as stored then: another process may have allocated meanwhile.
    const guard = (stored: ChildNodeRecord[]) => {
      const again = planAllocation(
        this.node.catalog,
        held,
        sumAllocations(stored.filter((c) => c.id !== childId).map(modulesOf)),
        modules,
      );
      return again.ok ? null : again;
    };
    const next = Object.fromEntries([...plan.value].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
    const now = this.node.clock.now();
    const event: NewEvent = {
      type: 'allocation.changed',
      moduleId: null,
      subject: childId,
      data: { name: child.name, before: child.allocation ?? {}, after: next },
      at: now,
    };
    const audit = {
      id: newId('aud'),
      at: now,
      actor,
      action: 'allocation.changed' as const,
      target: childId,
      details: { name: child.name, before: child.allocation ?? {}, after: next },
    };
    const written = await this.node.store.hierarchy.setAllocation(childId, next, now, event, audit, guard);
    if ('refused' in written) return written.refused;
    const { seq, eventSeq } = written;
    Object.assign(child, { allocation: next, allocationSeq: seq, allocationUpdatedAt: now });
    this.out = this.allocatedOut();
    this.node.announce([
      { ...event, data: { ...event.data, seq }, seq: eventSeq, id: eventId(eventSeq) } as StoredEvent,
    ]);
    await this.node.setAllocatedOut(new Map(this.out));
    return ok(this.view(child, now));
  }

  /** A fresh allocation document for a child, to carry by hand to a site without a link (same checks as a sync). */
  async exportDocument(childId: string): Promise<Outcome<{ allocation: string; seq: number }>> {
    await this.refresh();
    const child = this.children.get(childId);
    if (!child) return unknownChild(childId);
    if (!child.allocation)
      return fail('NOT_FOUND', `child node ${childId} has no allocation yet (PUT /v1/nodes/${childId}/allocation)`, {
        field: 'nodeId',
      });
    const judged = await this.judge(child);
    if (judged.verdict.state === 'blocked') return fail('SYNC_BLOCKED', judged.verdict.message);
    if (!judged.document) return fail('LICENSE_MISSING', judged.verdict.message);
    return ok({ allocation: judged.document, seq: child.allocationSeq });
  }

  /** Forgets a child: its allocation returns to this node and its place in the counting pool frees up. */
  async forget(childId: string, actor: AuditActor): Promise<Outcome<{ id: string; forgotten: true }>> {
    await this.refresh();
    const child = this.children.get(childId);
    if (!child) return unknownChild(childId);
    const now = this.node.clock.now();
    const event: NewEvent = {
      type: 'node.forgotten',
      moduleId: child.countedAs,
      subject: childId,
      data: { name: child.name, allocation: child.allocation ?? {} },
      at: now,
    };
    const audit = {
      id: newId('aud'),
      at: now,
      actor,
      action: 'node.forgotten' as const,
      target: childId,
      details: { name: child.name, hardwareKey: child.hardwareKey },
    };
    const seq = await this.node.store.hierarchy.deleteChild(childId, event, audit);
    this.children.delete(childId);
    this.byHardwareKey.delete(child.hardwareKey);
    this.verdicts.delete(childId);
    await this.issuedDocs.forget(childId, now);
    this.out = this.allocatedOut();
    if (seq !== null) this.node.announce([{ ...event, seq, id: eventId(seq) } as StoredEvent]);
    await this.node.store.setMeta(withdrawnKey(childId), '');
    // Its place in line frees, wherever it was counted; the next blocked child is served, in order.
    const counting = this.countingModule()?.id ?? null;
    for (const moduleId of new Set([child.countedAs, counting]))
      if (moduleId !== null) await this.node.removeMember(moduleId, childId, { actor });
    await this.node.setAllocatedOut(new Map(this.out));
    return ok({ id: childId, forgotten: true });
  }

  /** The whole tree below this node, with what it holds and what it handed out. */
  list() {
    const now = this.node.clock.now();
    const authority = allocationAuthority(this.node);
    const held = Object.fromEntries([...this.node.heldQuantities].map(([k, v]) => [String(k), v]));
    const allocated = Object.fromEntries([...this.out].map(([k, v]) => [String(k), v]));
    return {
      nodeId: this.identity.nodeId,
      publicKey: this.identity.publicKeyText,
      distributable: authority.ok,
      distributableDetail: authority.ok ? 'this node may allocate to its children' : authority.message,
      held,
      allocated,
      items: [...this.children.values()].map((c) => this.view(c, now)),
    };
  }

  /** One child as an admin sees it. */
  get(childId: string): Outcome<NodeView> {
    const child = this.children.get(childId);
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

/** A child's allocation as module ID → quantity. */
function modulesOf(c: ChildNodeRecord): Map<number, number> {
  return new Map(Object.entries(c.allocation ?? {}).map(([k, v]) => [Number(k), v]));
}

/** The refusal for a node id no child of this node has. */
function unknownChild(childId: string) {
  return fail('NOT_FOUND', `no child node ${childId} is registered with this node`, { field: 'nodeId' });
}
