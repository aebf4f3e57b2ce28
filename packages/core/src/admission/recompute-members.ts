import { snapshotMember } from './pool-guards.js';
import type { Change, DomainEvent, Member, PoolState } from './pool-state.js';

/** Members in admission order: first connection, then join sequence for ties. */
export function orderedMembers(pool: PoolState): Member[] {
  return [...pool.members.values()].sort((a, b) => a.firstConnectedAt - b.firstConnectedAt || a.seq - b.seq);
}

/**
 * BLOCK_LATEST: the first `quantity` members are active, the rest blocked (null quantity: all active). Reports only
 * members whose state flips; walking in admission order makes unblocking happen in order of first connection.
 */
export function recomputeMembers(pool: PoolState, _now: number): { changes: Change[]; events: DomainEvent[] } {
  const changes: Change[] = [];
  const events: DomainEvent[] = [];
  const { quantity } = pool;
  orderedMembers(pool).forEach((member, i) => {
    const state = quantity === null || i < quantity ? 'active' : 'blocked';
    if (member.state === state) return;
    member.state = state;
    changes.push({ kind: 'member.put', member: snapshotMember(member) });
    events.push({
      type: state === 'blocked' ? 'member.blocked' : 'member.unblocked',
      moduleId: pool.module.id,
      subject: member.memberId,
      data: { position: i + 1, quantity },
    });
  });
  return { changes, events };
}
