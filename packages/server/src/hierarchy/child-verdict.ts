import { fail } from '@licensor/protocol';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { NewEvent, StoredEvent } from '../store/store.js';
import { eventId } from '../store/store.js';
import { allocationAuthority, issueAllocation } from './issue-allocation.js';
import type { ParentSide } from './parent-side.js';
import type { ChildState } from './sync-messages.js';

/** What a child is told at a sync: its state, a sentence, and its signed allocation document (or withdrawal). */
export interface ChildVerdict {
  verdict: { state: ChildState; message: string };
  document: string | null;
}

/**
 * Decides what a child gets now: counted in the child-node pool, then its allocation under this node's authority.
 * A blocked child gets a signed withdrawal; once served again, a fresh document with a higher seq.
 */
export async function judgeChild(side: ParentSide, child: ChildNodeRecord): Promise<ChildVerdict> {
  const { node } = side;
  const counting = side.countingModule();
  if (counting) {
    const counted = await node.syncMember(counting.id, child.id, undefined);
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
    const { member, quantity } = counted.value as { member: { state: string }; quantity: number | null };
    if (member.state === 'blocked') {
      const message = `the parent's license allows ${quantity} ${counting.name}; this node connected later than those and is blocked until one is removed or the license grows`;
      return { verdict: { state: 'blocked', message }, document: await withdrawal(side, child, message) };
    }
  }
  const authority = allocationAuthority(node);
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
  if (await withdrawn(side, child)) await newSeq(side, child, 'allocation.restored', {});
  const document = issueAllocation(side.identity, node, authority.value, child, side.options.allocationWindowMs);
  const now = node.clock.now();
  if (await side.issued.issued(child.id, child.allocation, now)) side.totals.update(child.id, now);
  return { verdict: { state: 'active', message: `allocation seq ${child.allocationSeq}` }, document };
}

/** True when the child's current allocation seq is the one its withdrawal was signed with. */
async function withdrawn(side: ParentSide, child: ChildNodeRecord): Promise<boolean> {
  return child.allocationSeq > 0 && (await side.withdrawnSeq(child.id)) === String(child.allocationSeq);
}

/**
 * A blocked child's withdrawal: an allocation document granting nothing, signed with a seq above every document the
 * child was given, so the child drops what it held and can never install an older one again. Null when this node
 * has no authority to sign under (the child then drops its allocation by itself).
 */
async function withdrawal(side: ParentSide, child: ChildNodeRecord, reason: string): Promise<string | null> {
  const authority = allocationAuthority(side.node);
  if (!authority.ok) return null;
  if (!(await withdrawn(side, child))) {
    if (!(await newSeq(side, child, 'allocation.withdrawn', { reason }))) return null;
    await side.setWithdrawnSeq(child.id, String(child.allocationSeq));
  }
  const nothing = { ...child, allocation: {} };
  return issueAllocation(side.identity, side.node, authority.value, nothing, side.options.allocationWindowMs);
}

/**
 * Gives a child's unchanged allocation a new seq, with an event. Runs in line with allocation changes, and is skipped
 * (false) when the stored allocation differs from the one in hand: another change came first; the next sync retries.
 */
function newSeq(
  side: ParentSide,
  child: ChildNodeRecord,
  type: 'allocation.withdrawn' | 'allocation.restored',
  data: Record<string, unknown>,
): Promise<boolean> {
  return side.inLine(async () => {
    // On the embedded store this process is the only writer and changes run in line: memory is what is stored.
    if (!side.shared && side.children.get(child.id) !== child) return false;
    const now = side.node.clock.now();
    const event: NewEvent = { type, moduleId: null, subject: child.id, data: { name: child.name, ...data }, at: now };
    const same = JSON.stringify(child.allocation);
    const guard = (stored: ChildNodeRecord[]) =>
      JSON.stringify(stored.find((c) => c.id === child.id)?.allocation ?? null) === same
        ? null
        : fail('CONFLICT', 'the allocation changed meanwhile');
    const written = await side.node.store.hierarchy.setAllocation(
      child.id,
      child.allocation,
      now,
      event,
      null,
      side.shared ? guard : undefined,
    );
    if ('refused' in written) return false;
    Object.assign(child, { allocationSeq: written.seq, allocationUpdatedAt: now });
    const announced = { ...event, data: { ...event.data, seq: written.seq } };
    side.node.announce([{ ...announced, seq: written.eventSeq, id: eventId(written.eventSeq) } as StoredEvent]);
    return true;
  });
}
