import { newId } from '@licensor/protocol';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { AuditActor, NewEvent, StoredEvent } from '../store/store.js';
import { eventId } from '../store/store.js';
import type { ParentSide } from './parent-side.js';

/**
 * Forgets a child: its allocation returns to this node once the documents it holds have ended (they keep counting
 * until then), and its place in the counting pool frees up, so the next blocked child is served, in order.
 */
export async function forgetChild(side: ParentSide, child: ChildNodeRecord, actor: AuditActor): Promise<void> {
  const { node } = side;
  const now = node.clock.now();
  const event: NewEvent = {
    type: 'node.forgotten',
    moduleId: child.countedAs,
    subject: child.id,
    data: { name: child.name, allocation: child.allocation ?? {} },
    at: now,
  };
  const details = { name: child.name, hardwareKey: child.hardwareKey };
  const audit = { id: newId('aud'), at: now, actor, action: 'node.forgotten' as const, target: child.id, details };
  const seq = await node.store.hierarchy.deleteChild(child.id, event, audit);
  side.children.drop(child.id);
  await side.issued.forget(child.id, now);
  side.totals.update(child.id, now);
  if (seq !== null) node.announce([{ ...event, seq, id: eventId(seq) } as StoredEvent]);
  await side.setWithdrawnSeq(child.id, '');
  const counting = side.countingModule()?.id ?? null;
  for (const moduleId of new Set([child.countedAs, counting]))
    if (moduleId !== null) await node.removeMember(moduleId, child.id, { actor });
  await side.publishTotals();
}
