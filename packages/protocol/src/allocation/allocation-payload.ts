import type { Entitlement } from '../license/license-payload.js';

/** The first line of an armored allocation document. */
export const ALLOCATION_BEGIN = '-----BEGIN LICENSOR ALLOCATION-----';
/** The last line of an armored allocation document. */
export const ALLOCATION_END = '-----END LICENSOR ALLOCATION-----';

/**
 * What a parent node hands one child: module quantities out of what the parent holds, for a window of time. It is
 * signed with the parent's node key and carries the parent's own authority (`source`: the issuer-signed centralized
 * license, or the allocation the parent received from its own parent), so a child can follow the chain to the vendor.
 */
export interface AllocationPayload {
  v: 1;
  kind: 'allocation';
  /** `alc_…`, new for every document. */
  id: string;
  /** Grows whenever the parent changes this child's quantities; a child never accepts a lower one (no replay). */
  seq: number;
  parent: { nodeId: string; hardwareKey: string; publicKey: string };
  child: { nodeId: string; hardwareKey: string };
  customer: { id: string; name: string };
  entitlements: Entitlement[];
  issuedAt: string;
  notBefore: string;
  /** End of the offline window: the child serves until then without hearing from its parent. */
  notAfter: string;
  /** The parent's authority: an armored license file or allocation document. */
  source: string;
}
