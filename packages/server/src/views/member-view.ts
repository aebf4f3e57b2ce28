import type { Member } from '@licensor/core';
import type { MemberRow } from '@licensor/protocol';

/** A member row for pool listings. */
export function memberView(m: Member, position: number): MemberRow {
  return {
    memberId: m.memberId,
    position,
    state: m.state,
    blockedReason: m.blockedReason,
    firstConnectedAt: m.firstConnectedAt,
    lastSeenAt: m.lastSeenAt,
    features: m.features,
    missingFeatures: m.missingFeatures,
  };
}
