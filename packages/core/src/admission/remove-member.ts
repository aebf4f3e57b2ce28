import { fail, ok } from '@licensor/protocol';
import { countLeaving } from './member-tally.js';
import { refuse, requireStrategy, snapshotMember } from './pool-guards.js';
import type { Change, Decision, DomainEvent, Member, PoolState } from './pool-state.js';
import { recomputeMembers } from './recompute-members.js';

/** An administrator removes a member; its place frees and blocked members unblock in order of first connection (listed in `unblocked`). */
export function removeMember(
  pool: PoolState,
  memberId: string,
  now: number,
): Decision<{ member: Member; unblocked: string[] }> {
  const mismatch = requireStrategy(pool, ['BLOCK_LATEST'], 'removing a member');
  if (mismatch) return refuse(mismatch);
  const member = pool.members.get(memberId);
  if (!member) {
    return refuse(
      fail('NOT_FOUND', `${pool.module.name}: no member ${memberId}`, { data: { moduleId: pool.module.id, memberId } }),
    );
  }
  const changes: Change[] = [];
  const events: DomainEvent[] = [];
  drop(pool, member, changes);
  events.push({
    type: 'member.removed',
    moduleId: member.moduleId,
    subject: member.memberId,
    data: { state: member.state },
  });
  const recomputed = recomputeMembers(pool, now);
  const unblocked = recomputed.events.filter((e) => e.type === 'member.unblocked').map((e) => e.subject);
  return {
    outcome: ok({ member: snapshotMember(member), unblocked }),
    changes: [...changes, ...recomputed.changes],
    events: [...events, ...recomputed.events],
  };
}

/**
 * Drops members silent for memberInactiveAfterSeconds (lastSeenAt + threshold <= now), each with a member.expired
 * event, then recomputes so the next blocked ones unblock in order. A no-op on other strategies or without a
 * threshold (the default: only an administrator removes a member), so the scheduler can sweep every pool.
 */
export function expireMembers(pool: PoolState, now: number): Decision<{ expired: Member[] }> {
  const { policy } = pool.module;
  if (policy.strategy !== 'BLOCK_LATEST' || policy.memberInactiveAfterSeconds === null) {
    return { outcome: ok({ expired: [] }), changes: [], events: [] };
  }
  const limit = policy.memberInactiveAfterSeconds * 1000;
  const changes: Change[] = [];
  const events: DomainEvent[] = [];
  const expired: Member[] = [];
  for (const member of pool.members.values()) {
    if (member.lastSeenAt + limit > now) continue;
    drop(pool, member, changes);
    events.push({
      type: 'member.expired',
      moduleId: member.moduleId,
      subject: member.memberId,
      data: {
        state: member.state,
        lastSeenAt: member.lastSeenAt,
        inactiveAfterSeconds: policy.memberInactiveAfterSeconds,
      },
    });
    expired.push(snapshotMember(member));
  }
  if (expired.length === 0) return { outcome: ok({ expired }), changes, events };
  const recomputed = recomputeMembers(pool, now);
  return {
    outcome: ok({ expired }),
    changes: [...changes, ...recomputed.changes],
    events: [...events, ...recomputed.events],
  };
}

/** Deletes one member and records the change. */
function drop(pool: PoolState, member: Member, changes: Change[]): void {
  pool.members.delete(member.memberId);
  countLeaving(pool, member);
  changes.push({ kind: 'member.delete', moduleId: member.moduleId, memberId: member.memberId });
}
