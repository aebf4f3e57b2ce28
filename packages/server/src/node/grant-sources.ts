import type { Catalog } from '@licensor/core';
import { type AllocationPayload, checkValidity, type LicensePayload } from '@licensor/protocol';
import { addEntitlements, grantedQuantities } from './entitlements.js';
import { evaluateLicense, type InstalledLicense, type LicenseStateName } from './license-state.js';

/** An allocation document this node received from its parent, verified and stored. */
export interface HeldAllocation {
  payload: AllocationPayload;
  text: string;
  receivedAt: number;
  /** The module definitions signed by the license the allocation chain ends in (set by the node when it takes it). */
  terms?: Catalog | null;
}

/** The license state of a node, which may hold a license of its own, an allocation from its parent, or both. */
export type NodeLicenseStateName = LicenseStateName | 'blocked';

/** What a node holds per module (its license plus its allocation) and the window in which it may serve. */
export function combineGrants(installed: InstalledLicense | null, allocation: HeldAllocation | null) {
  const held = grantedQuantities(installed?.terms ?? null, installed?.payload ?? null);
  if (allocation) addEntitlements(held, allocation.payload.entitlements);
  // The serving window covers both sources; a node holding either one that is valid may serve.
  let validFrom = Number.POSITIVE_INFINITY;
  let validUntil = Number.NEGATIVE_INFINITY;
  const widen = (p: Pick<LicensePayload, 'notBefore' | 'notAfter'>) => {
    validFrom = Math.min(validFrom, Date.parse(p.notBefore));
    validUntil = Math.max(validUntil, p.notAfter === null ? Number.POSITIVE_INFINITY : Date.parse(p.notAfter));
  };
  if (installed) widen(installed.payload);
  if (allocation) widen(allocation.payload);
  return { held, validFrom, validUntil };
}

/**
 * The node's license state at a time, with a sentence for people; `blockedBy` is the parent's refusal, if any. A node
 * its parent blocks has no allocation, but a valid license of its own still serves (the sentence says both).
 */
export function evaluateNodeLicense(installed: InstalledLicense | null, allocation: HeldAllocation | null, blockedBy: string | null, now: number): { state: NodeLicenseStateName; detail: string } {
  const own = evaluateLicense(installed, now);
  if (blockedBy) return own.state === 'valid' ? { state: 'valid', detail: `${own.detail}; the parent withdrew its allocation: ${blockedBy}` } : { state: 'blocked', detail: blockedBy };
  if (own.state === 'valid' || !allocation) return own;
  const a = allocation.payload;
  const window = checkValidity(a, now);
  const from = `allocation ${a.id} (seq ${a.seq}) from parent node ${a.parent.nodeId}`;
  if (window.ok) return { state: 'valid', detail: `${from} is valid until ${a.notAfter}` };
  if (window.code === 'LICENSE_NOT_YET_VALID') return { state: 'not_yet_valid', detail: `${from} is valid from ${a.notBefore}` };
  return { state: 'expired', detail: `${from} expired at ${a.notAfter}: the parent has not renewed it (is it reachable?)` };
}
