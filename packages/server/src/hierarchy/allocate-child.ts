import { planAllocation, sumAllocations } from '@licensor/core';
import { fail, newId, ok, type Outcome } from '@licensor/protocol';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { AuditActor, NewEvent, StoredEvent } from '../store/store.js';
import { eventId } from '../store/store.js';
import { allocationAuthority } from './issue-allocation.js';
import type { ParentSide } from './parent-side.js';

/** A child's allocation as module ID → quantity. */
export function modulesOf(c: ChildNodeRecord): Map<number, number> {
  return new Map(Object.entries(c.allocation ?? {}).map(([k, v]) => [Number(k), v]));
}

/**
 * Sets a child's module quantities (run in line with other allocation changes). The sum over children never exceeds
 * what this node holds, counting what documents still valid grant until they end. Resolves with the child as stored.
 */
export async function allocateChild(
  side: ParentSide,
  child: ChildNodeRecord,
  modules: Record<string, unknown>,
  actor: AuditActor,
): Promise<Outcome<ChildNodeRecord>> {
  const { node } = side;
  const authority = allocationAuthority(node);
  if (!authority.ok) return fail(authority.code, authority.message);
  const now0 = node.clock.now();
  const toOthers = new Map(side.totals.at(now0));
  for (const [id, q] of side.totals.shareAt(child.id, now0)) toOthers.set(id, (toOthers.get(id) ?? 0) - q);
  const held = new Map(node.heldQuantities);
  const plan = planAllocation(node.catalog, held, toOthers, modules);
  if (!plan.ok) return plan;
  // Another process sharing the store may have allocated meanwhile: checked again inside the write, against every
  // child as stored then. On the embedded store this process is the only writer and the check above is current.
  const guard = (stored: ChildNodeRecord[]) => {
    const others = sumAllocations(stored.filter((c) => c.id !== child.id).map(modulesOf));
    const again = planAllocation(node.catalog, held, others, modules);
    return again.ok ? null : again;
  };
  const next = Object.fromEntries([...plan.value].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
  const now = node.clock.now();
  const change = { name: child.name, before: child.allocation ?? {}, after: next };
  const event: NewEvent = { type: 'allocation.changed', moduleId: null, subject: child.id, data: change, at: now };
  const audit = {
    id: newId('aud'),
    at: now,
    actor,
    action: 'allocation.changed' as const,
    target: child.id,
    details: change,
  };
  const written = await node.store.hierarchy.setAllocation(
    child.id,
    next,
    now,
    event,
    audit,
    side.shared ? guard : undefined,
  );
  if ('refused' in written) return written.refused;
  const { seq, eventSeq } = written;
  Object.assign(child, { allocation: next, allocationSeq: seq, allocationUpdatedAt: now });
  side.totals.update(child.id, now);
  node.announce([{ ...event, data: { ...event.data, seq }, seq: eventSeq, id: eventId(eventSeq) } as StoredEvent]);
  await side.publishTotals();
  return ok(child);
}
