import { fail, ok } from '@licensor/protocol';
import { memberTally } from './member-tally.js';
import { refuse, requireStrategy, snapshotMember } from './pool-guards.js';
import type { Change, Decision, DomainEvent, Member, PoolState } from './pool-state.js';
import { recomputeMembers, sameIds, settleMember } from './recompute-members.js';

/** What a joining (or re-syncing) member reports. */
export interface JoinRequest {
  memberId: string;
  /** Feature module IDs its profile enables; omitted keeps the last reported list. */
  features?: number[];
}

/** What a join returns: the member's state, its 1-based place in admission order, and the pool's quantity. */
export interface JoinResult {
  member: Member;
  position: number;
  quantity: number | null;
}

/**
 * A member (register, subordinate server) joins or re-syncs a BLOCK_LATEST pool: one whose profile enables an add-on
 * the license does not grant is blocked and takes no seat; of the rest, the latest beyond the quantity are blocked.
 */
export function joinMember(pool: PoolState, req: JoinRequest, now: number): Decision<JoinResult> {
  const mismatch = requireStrategy(pool, ['BLOCK_LATEST'], 'joining as a member');
  if (mismatch) return refuse(mismatch);
  if (typeof req.memberId !== 'string' || req.memberId.length === 0) {
    return refuse(fail('VALIDATION_FAILED', 'memberId must be a non-empty string', { field: 'memberId' }));
  }
  if (req.features !== undefined && !req.features.every((f) => Number.isInteger(f))) {
    return refuse(fail('VALIDATION_FAILED', 'features must be a list of integer module IDs', { field: 'features' }));
  }

  const events: Decision<JoinResult>['events'] = [];
  // Set when only this member needs settling: recomputing the whole pool sorts every member (10,000 sites syncing).
  let settled: { changes: Change[]; events: DomainEvent[] } | null = null;
  let member = pool.members.get(req.memberId);
  if (member) {
    member.lastSeenAt = now;
    // Same profile: nothing that decides admission changed, and every change to the pool settles all its members.
    if (req.features === undefined || sameIds(member.features, req.features)) settled = { changes: [], events: [] };
    else member.features = [...req.features];
  } else {
    const tally = memberTally(pool);
    const seats = tally.seats;
    // Last in admission order (the usual case, unless the clock went back): the members before it keep their states.
    const last = now >= tally.latest;
    // Starts active; settling blocks it when its profile enables an unlicensed add-on or it is beyond the quantity,
    // which also raises member.blocked with the reason.
    member = {
      moduleId: pool.module.id,
      memberId: req.memberId,
      seq: tally.seq + 1,
      firstConnectedAt: now,
      lastSeenAt: now,
      state: 'active',
      blockedReason: null,
      features: [...(req.features ?? [])],
      missingFeatures: [],
    };
    pool.members.set(member.memberId, member);
    tally.seq = member.seq;
    tally.latest = Math.max(tally.latest, now);
    tally.seats++; // it joins active; settling it below counts the seat back if it blocks it
    events.push({
      type: 'member.joined',
      moduleId: pool.module.id,
      subject: member.memberId,
      data: { seq: member.seq },
    });
    if (last) {
      settled = { changes: [], events: [] };
      settleMember(pool, member, pool.members.size - 1, seats, settled);
    }
  }

  const recomputed = settled ?? recomputeMembers(pool, now);
  const changes = recomputed.changes.some((c) => c.kind === 'member.put' && c.member.memberId === req.memberId)
    ? recomputed.changes
    : [{ kind: 'member.put' as const, member: snapshotMember(member) }, ...recomputed.changes];
  events.push(...recomputed.events);
  return { outcome: ok(joinResult(pool, member)), changes, events };
}

/**
 * The result of a join. `position` is worked out when first read, from the pool as it is then: finding it walks every
 * member, and most callers (a central counting 10,000 sites, each syncing twice a minute) never read it.
 */
function joinResult(pool: PoolState, member: Member): JoinResult {
  const result = { member: snapshotMember(member), quantity: pool.quantity } as JoinResult;
  let position: number | undefined;
  Object.defineProperty(result, 'position', {
    enumerable: true,
    get: () => {
      position ??= placeOf(pool, member);
      return position;
    },
  });
  return result;
}

/** A member's 1-based place in admission order (first connection, then join sequence), without sorting the pool. */
function placeOf(pool: PoolState, member: Member): number {
  let before = 0;
  for (const m of pool.members.values())
    if (
      m.firstConnectedAt < member.firstConnectedAt ||
      (m.firstConnectedAt === member.firstConnectedAt && m.seq < member.seq)
    )
      before++;
  return before + 1;
}
