import type { Catalog, Member, MemberBlockReason } from '@licensor/core';
import type { NodeLicense } from './node-license.js';

/** What a member learns when it connects or syncs. */
export interface MemberSyncView {
  moduleId: number;
  memberId: string;
  state: 'active' | 'blocked';
  position: number;
  quantity: number | null;
  reasons: MemberBlockReason[];
  missingFeatures?: number[];
  detail?: string;
  nonProduction?: true;
}

/** The answer to a member sync: the state the node stored for it (the core decided it, reason included). */
export function memberSyncView(
  node: Pick<NodeLicense, 'catalog' | 'nonProduction'>,
  moduleId: number,
  r: { member: Member; position: number; quantity: number | null },
): MemberSyncView {
  const { member } = r;
  const blocked = member.state === 'blocked';
  return {
    moduleId,
    memberId: member.memberId,
    state: member.state,
    position: r.position,
    quantity: r.quantity,
    reasons: blocked && member.blockedReason ? [member.blockedReason] : [],
    ...(member.missingFeatures.length ? { missingFeatures: [...member.missingFeatures] } : {}),
    ...(blocked ? { detail: blockedDetail(node.catalog, moduleId, member, r.quantity) } : {}),
    ...(node.nonProduction ? { nonProduction: true as const } : {}),
  };
}

/** Why a member is blocked, in words for the person at the register or server. */
export function blockedDetail(
  catalog: Catalog,
  moduleId: number,
  member: Pick<Member, 'blockedReason' | 'missingFeatures'>,
  quantity: number | null,
): string {
  const name = catalog.modules.get(moduleId)?.name ?? `module ${moduleId}`;
  if (member.blockedReason === 'features_unlicensed') {
    const list = member.missingFeatures.map((id) => `${id} ${catalog.modules.get(id)?.name ?? ''}`.trim()).join(', ');
    return `the profile enables add-ons the license does not grant: ${list}; sync stops until the profile drops them or the license grants them`;
  }
  return `the license allows ${quantity ?? 'unlimited'} ${name}; this one connected later than those and is blocked until one is removed or the license grows`;
}
