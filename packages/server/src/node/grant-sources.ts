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

/**
 * What a node holds per module (its license plus its allocation) at `now`, the window in which it may serve, and the
 * next time that changes. Of two sources only those valid at `now` count: an expired allocation adds nothing beside a
 * license of its own, nor an expired license beside a valid allocation. With neither valid, both are listed (the node
 * refuses client work then anyway, and keeps its pools sized for a renewal).
 */
export function combineGrants(installed: InstalledLicense | null, allocation: HeldAllocation | null, now: number) {
  const windowOf = (p: Pick<LicensePayload, 'notBefore' | 'notAfter'>) => ({
    from: Date.parse(p.notBefore),
    until: p.notAfter === null ? Number.POSITIVE_INFINITY : Date.parse(p.notAfter),
  });
  const own = installed ? windowOf(installed.payload) : null;
  const alloc = allocation ? windowOf(allocation.payload) : null;
  const inside = (w: { from: number; until: number } | null) => w !== null && now >= w.from && now < w.until;
  const any = inside(own) || inside(alloc);
  const held = grantedQuantities(
    !any || inside(own) ? (installed?.terms ?? null) : null,
    !any || inside(own) ? (installed?.payload ?? null) : null,
  );
  if (allocation && (!any || inside(alloc))) addEntitlements(held, allocation.payload.entitlements);
  // The serving window covers both sources; a node holding either one that is valid may serve.
  let validFrom = Number.POSITIVE_INFINITY;
  let validUntil = Number.NEGATIVE_INFINITY;
  let changesAt = Number.POSITIVE_INFINITY;
  for (const w of [own, alloc]) {
    if (!w) continue;
    validFrom = Math.min(validFrom, w.from);
    validUntil = Math.max(validUntil, w.until);
    for (const t of [w.from, w.until]) if (t > now) changesAt = Math.min(changesAt, t);
  }
  return { held, validFrom, validUntil, changesAt };
}

/**
 * The node's license state at a time, with a sentence for people; `blockedBy` is the parent's refusal, if any. A node
 * its parent blocks has no allocation, but a valid license of its own still serves (the sentence says both).
 */
export function evaluateNodeLicense(
  installed: InstalledLicense | null,
  allocation: HeldAllocation | null,
  blockedBy: string | null,
  now: number,
): { state: NodeLicenseStateName; detail: string } {
  const own = evaluateLicense(installed, now);
  if (blockedBy)
    return own.state === 'valid'
      ? { state: 'valid', detail: `${own.detail}; the parent withdrew its allocation: ${blockedBy}` }
      : { state: 'blocked', detail: blockedBy };
  if (own.state === 'valid' || !allocation) return own;
  const a = allocation.payload;
  const window = checkValidity(a, now);
  const from = `allocation ${a.id} (seq ${a.seq}) from parent node ${a.parent.nodeId}`;
  if (window.ok) return { state: 'valid', detail: `${from} is valid until ${a.notAfter}` };
  if (window.code === 'LICENSE_NOT_YET_VALID')
    return { state: 'not_yet_valid', detail: `${from} is valid from ${a.notBefore}` };
  return {
    state: 'expired',
    detail: `${from} expired at ${a.notAfter}: the parent has not renewed it (is it reachable?)`,
  };
}
