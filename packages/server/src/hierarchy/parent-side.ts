import { type ModuleDefinition, modulesWithRole } from '@licensor/core';
import type { HierarchyNode } from './hierarchy-node.js';
import { AllocationTotals } from './allocation-totals.js';
import { ChildRegistry } from './child-registry.js';
import type { HierarchyOptions } from './hierarchy-options.js';
import { IssuedDocuments } from './issued-documents.js';
import type { NodeIdentity } from './node-identity.js';

/** Where the seq of a child's signed withdrawal is kept: the child is withdrawn while its allocation seq equals it. */
const withdrawnKey = (childId: string) => `hierarchy.withdrawn_seq.${childId}`;

/**
 * The state of a node's parent side, shared by registration, judging and allocation: its children, the documents
 * handed to them, the running totals of what they hold, and the line allocation changes wait in.
 */
export class ParentSide {
  readonly children = new ChildRegistry();
  readonly issued: IssuedDocuments;
  /** Per module, what the children hold: allocations, or more where documents still valid grant more. */
  readonly totals: AllocationTotals;
  /** Allocation changes run one at a time, so the sum check and the write see the same state. */
  private line: Promise<unknown> = Promise.resolve();
  /** Withdrawal seqs as stored, per child (embedded store only: there no other process writes them). */
  private readonly withdrawals = new Map<string, string>();
  /** What the node's pools were last told the children hold. */
  private published = new Map<number, number>();

  constructor(
    readonly node: HierarchyNode,
    readonly identity: NodeIdentity,
    readonly options: HierarchyOptions,
  ) {
    this.issued = new IssuedDocuments(node.store, options.allocationWindowMs);
    this.totals = new AllocationTotals((id, now) =>
      this.issued.share(id, this.children.get(id)?.allocation ?? null, now),
    );
  }

  /** True when other processes write the same store (PostgreSQL): what is in memory may be behind. */
  get shared(): boolean {
    return this.node.store.kind !== 'sqlite';
  }

  /**
   * The module whose pool counts this node's children: the first module with the child-node role that this node's
   * license or allocation grants, or null when none does. The parent decides; what a child asks for does not matter.
   */
  countingModule(): ModuleDefinition | null {
    return modulesWithRole(this.node.catalog, 'child-nodes').find((m) => this.node.heldQuantities.has(m.id)) ?? null;
  }

  /** The allocation seq a child's signed withdrawal carries ('' when it holds none): it is withdrawn while they match. */
  async withdrawnSeq(childId: string): Promise<string> {
    const known = this.withdrawals.get(childId);
    if (known !== undefined) return known;
    const seq = (await this.node.store.getMeta(withdrawnKey(childId))) ?? '';
    if (!this.shared) this.withdrawals.set(childId, seq);
    return seq;
  }

  /** Records the seq of a child's withdrawal ('' to clear it, when the child is forgotten). */
  async setWithdrawnSeq(childId: string, seq: string): Promise<void> {
    await this.node.store.setMeta(withdrawnKey(childId), seq);
    if (this.shared || seq === '') this.withdrawals.delete(childId);
    else this.withdrawals.set(childId, seq);
  }

  /** Runs an allocation change after those before it. */
  inLine<T>(change: () => Promise<T>): Promise<T> {
    const run = this.line.then(change);
    this.line = run.catch(() => {});
    return run;
  }

  /** Counts every child and forgotten child again (at start, or after reloading a shared store). */
  recount(now: number): void {
    this.totals.rebuild([...this.children.ids(), ...this.issued.forgottenIds()], now);
  }

  /** What the node's pools were last told the children hold (what they keep back from this node's own clients). */
  get publishedTotals(): ReadonlyMap<number, number> {
    return this.published;
  }

  /** Hands the children's totals to the node's pools, which keep the rest. */
  publishTotals(): Promise<void> {
    this.published = new Map(this.totals.at(this.node.clock.now()));
    return this.node.setAllocatedOut(new Map(this.published));
  }

  /** Hands the totals to the pools when they differ from what the pools were last given. */
  async publishIfChanged(): Promise<void> {
    const out = this.totals.at(this.node.clock.now());
    if (out.size !== this.published.size || [...out].some(([k, v]) => this.published.get(k) !== v))
      await this.publishTotals();
  }
}
