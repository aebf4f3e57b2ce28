import { countSeat } from './member-tally.js';
import { snapshotMember } from './pool-guards.js';
import type { Change, DomainEvent, Member, MemberBlockReason, PoolState } from './pool-state.js';

/** Members in admission order: first connection, then join sequence for ties. */
export function orderedMembers(pool: PoolState): Member[] {
  return [...pool.members.values()].sort((a, b) => a.firstConnectedAt - b.firstConnectedAt || a.seq - b.seq);
}

/** The features a member's profile enables that the pool's license does not grant, in the order reported. */
export function missingFeaturesOf(pool: PoolState, member: Pick<Member, 'features'>): number[] {
  return member.features.filter((f) => !pool.licensedFeatures.has(f));
}

/**
 * BLOCK_LATEST: a member whose profile enables an unlicensed add-on is blocked and takes no seat; of the others, the
 * first `quantity` are active and the rest blocked (null quantity: all active). Walking in admission order makes
 * unblocking happen in order of first connection, and a member whose profile is fixed takes back its original place.
 * Reports only members whose state, reason or missing features change.
 */
export function recomputeMembers(pool: PoolState, _now: number): { changes: Change[]; events: DomainEvent[] } {
  const out = { changes: [] as Change[], events: [] as DomainEvent[] };
  let seats = 0;
  orderedMembers(pool).forEach((member, i) => {
    if (settleMember(pool, member, i, seats, out)) seats++;
  });
  return out;
}

/**
 * Gives one member, at index `i` in admission order with `seats` taken before it, the state BLOCK_LATEST says, and
 * reports it in `out` when its state, reason or missing features change. True when it takes a seat.
 */
export function settleMember(
  pool: PoolState,
  member: Member,
  i: number,
  seats: number,
  out: { changes: Change[]; events: DomainEvent[] },
): boolean {
  const { quantity } = pool;
  const missing = missingFeaturesOf(pool, member);
  let reason: MemberBlockReason | null = null;
  if (missing.length > 0) reason = 'features_unlicensed';
  else if (quantity !== null && seats >= quantity) reason = 'beyond_quantity';
  const state = reason ? 'blocked' : 'active';
  if (member.state === state && member.blockedReason === reason && sameIds(member.missingFeatures, missing))
    return !reason;
  const before = { reason: member.blockedReason, modules: member.missingFeatures };
  if (member.state !== state) countSeat(pool, state === 'active' ? 1 : -1);
  member.state = state;
  member.blockedReason = reason;
  member.missingFeatures = missing;
  out.changes.push({ kind: 'member.put', member: snapshotMember(member) });
  // A blocked member whose reason changed is announced again, so its application learns the new reason.
  out.events.push({
    type: state === 'blocked' ? 'member.blocked' : 'member.unblocked',
    moduleId: pool.module.id,
    subject: member.memberId,
    data:
      state === 'blocked'
        ? { reason, modules: missing, position: i + 1, quantity }
        : { reason: before.reason, modules: [...before.modules], position: i + 1, quantity },
  });
  return !reason;
}

/** True when two ID lists hold the same IDs in the same order. */
export function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
