import type { Member } from '@licensor/core';
import { ok, type Outcome } from '@licensor/protocol';
import type { LicensorNode } from './licensor-node.js';

/** What a member learns when it connects or syncs. */
export interface MemberSyncView {
  moduleId: number;
  memberId: string;
  state: 'active' | 'blocked';
  position: number;
  quantity: number | null;
  reasons: ('beyond_quantity' | 'features_unlicensed')[];
  missingFeatures?: number[];
  detail?: string;
  nonProduction?: true;
}

/**
 * A profile that names unknown modules or non-features is refused before anything is stored; one that enables an
 * unlicensed add-on is stored, and blocks the member (the seed: that register's sync stops).
 */
export function checkProfileShape(node: LicensorNode, moduleId: number, features: number[] | undefined): Outcome<true> {
  if (!features?.length) return ok(true);
  const p = node.checkProfile(moduleId, features);
  return p.ok || p.code === 'FEATURE_NOT_LICENSED' || p.code === 'LICENSE_MISSING' || p.code === 'LICENSE_EXPIRED' ? ok(true) : p;
}

/** The answer to a member sync, judged on the member's stored profile so a re-sync without features is judged too. */
export function memberSyncView(node: LicensorNode, moduleId: number, r: { member: Member; position: number; quantity: number | null }): MemberSyncView {
  const features = r.member.features;
  const profile = features.length ? node.checkProfile(moduleId, features) : null;
  const profileBlocked = profile !== null && !profile.ok;
  return {
    moduleId,
    memberId: r.member.memberId,
    state: profileBlocked ? 'blocked' : r.member.state,
    position: r.position,
    quantity: r.quantity,
    reasons: [...(r.member.state === 'blocked' ? (['beyond_quantity'] as const) : []), ...(profileBlocked ? (['features_unlicensed'] as const) : [])],
    ...(profileBlocked ? { missingFeatures: (profile.data?.missing as number[] | undefined) ?? [], detail: profile.message } : {}),
    ...(node.nonProduction ? { nonProduction: true as const } : {}),
  };
}
