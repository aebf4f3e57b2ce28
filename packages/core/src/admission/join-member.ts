import { fail, ok } from '@licensor/protocol';
import { refuse, requireStrategy, snapshotMember } from './pool-guards.js';
import type { Decision, Member, PoolState } from './pool-state.js';
import { orderedMembers, recomputeMembers } from './recompute-members.js';

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
  let member = pool.members.get(req.memberId);
  if (member) {
    member.lastSeenAt = now;
    if (req.features !== undefined) member.features = [...req.features];
  } else {
    let seq = 0;
    for (const m of pool.members.values()) seq = Math.max(seq, m.seq);
    // Starts active; recompute blocks it when its profile enables an unlicensed add-on or it is beyond the quantity,
    // which also raises member.blocked with the reason.
    member = {
      moduleId: pool.module.id,
      memberId: req.memberId,
      seq: seq + 1,
      firstConnectedAt: now,
      lastSeenAt: now,
      state: 'active',
      blockedReason: null,
      features: [...(req.features ?? [])],
      missingFeatures: [],
    };
    pool.members.set(member.memberId, member);
    events.push({
      type: 'member.joined',
      moduleId: pool.module.id,
      subject: member.memberId,
      data: { seq: member.seq },
    });
  }

  const recomputed = recomputeMembers(pool, now);
  const changes = recomputed.changes.some((c) => c.kind === 'member.put' && c.member.memberId === req.memberId)
    ? recomputed.changes
    : [{ kind: 'member.put' as const, member: snapshotMember(member) }, ...recomputed.changes];
  events.push(...recomputed.events);
  const position = orderedMembers(pool).indexOf(member) + 1;
  return { outcome: ok({ member: snapshotMember(member), position, quantity: pool.quantity }), changes, events };
}
