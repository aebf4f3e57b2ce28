import { type AllocationPayload, type Entitlement, type ErrorCode, newId, signAllocation } from '@licensor/protocol';
import type { HierarchyNode } from './hierarchy-node.js';
import type { ChildNodeRecord } from '../store/hierarchy-store.js';
import type { NodeIdentity } from './node-identity.js';

/** Where a node's right to allocate comes from: its centralized license, or the allocation its own parent gave it. */
export interface AllocationAuthority {
  text: string;
  customer: { id: string; name: string };
  /** The authority's end (epoch ms); an allocation never outlives it. Infinity for a permanent license. */
  notAfter: number;
}

/**
 * The authority this node allocates under, or a sentence saying why it has none: no valid license, or a static one.
 * A node holding both a centralized license and an allocation allocates under its license.
 */
export function allocationAuthority(
  node: HierarchyNode,
): { ok: true; value: AllocationAuthority } | { ok: false; code: ErrorCode; message: string } {
  const state = node.licenseState();
  if (state.state !== 'valid')
    return { ok: false, code: 'LICENSE_MISSING', message: `this node cannot allocate: ${state.detail}` };
  // What refuses client work refuses handing it down too: a License Server whose USB drive is gone past its grace must
  // not go on signing allocations while the same drive serves the license on another machine.
  const serving = node.licensed();
  if (!serving.ok) return { ok: false, code: serving.code, message: `this node cannot allocate: ${serving.message}` };
  const lic = node.license;
  const now = node.clock.now();
  if (
    lic &&
    lic.payload.scope === 'centralized' &&
    Date.parse(lic.payload.notBefore) <= now &&
    (lic.payload.notAfter === null || Date.parse(lic.payload.notAfter) > now)
  ) {
    return {
      ok: true,
      value: {
        text: lic.text,
        customer: lic.payload.customer,
        notAfter: lic.payload.notAfter === null ? Number.POSITIVE_INFINITY : Date.parse(lic.payload.notAfter),
      },
    };
  }
  // A withdrawal (a document granting nothing) or an allocation the parent no longer stands by gives nothing to pass on.
  const blocked = node.blockedByParent;
  const held = blocked ? null : node.heldAllocation;
  if (held?.payload.entitlements.length && Date.parse(held.payload.notAfter) > now)
    return {
      ok: true,
      value: { text: held.text, customer: held.payload.customer, notAfter: Date.parse(held.payload.notAfter) },
    };
  if (blocked)
    return {
      ok: false,
      code: 'LICENSE_MISSING',
      message: `this node's own parent blocks it, so it has no allocation to distribute: ${blocked}`,
    };
  if (lic?.payload.scope === 'static')
    return {
      ok: false,
      code: 'SCOPE_NOT_CENTRALIZED',
      message: `license ${lic.payload.id} is static: it serves this node only and cannot be distributed to subdivisions`,
    };
  return {
    ok: false,
    code: 'LICENSE_MISSING',
    message: 'this node holds no centralized license or allocation to distribute',
  };
}

/** Signs a child's allocation document: its quantities, for the offline window, never past the authority's end. */
export function issueAllocation(
  identity: NodeIdentity,
  node: HierarchyNode,
  authority: AllocationAuthority,
  child: ChildNodeRecord,
  windowMs: number,
): string {
  const now = node.clock.now();
  const entitlements: Entitlement[] = Object.entries(child.allocation ?? {})
    .map(([id, quantity]) => ({ moduleId: Number(id), quantity }))
    .sort((a, b) => a.moduleId - b.moduleId);
  const payload: AllocationPayload = {
    v: 1,
    kind: 'allocation',
    id: newId('alc'),
    seq: child.allocationSeq,
    parent: { nodeId: identity.nodeId, hardwareKey: node.options.hardwareKey.key, publicKey: identity.publicKeyText },
    child: { nodeId: child.id, hardwareKey: child.hardwareKey },
    customer: authority.customer,
    entitlements,
    issuedAt: new Date(now).toISOString(),
    notBefore: new Date(now - 60_000).toISOString(),
    notAfter: new Date(Math.min(now + windowMs, authority.notAfter)).toISOString(),
    source: authority.text,
  };
  return signAllocation(payload, identity.privateKey, identity.publicKey);
}
