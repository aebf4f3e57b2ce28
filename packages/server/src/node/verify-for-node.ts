import { type Catalog, catalogFromTerms } from '@licensor/core';
import {
  fail,
  type LicensePayload,
  ok,
  type Outcome,
  verifyAllocationDocument,
  verifyLicenseFile,
} from '@licensor/protocol';
import type { HeldAllocation } from './grant-sources.js';
import { keySourceAccepts, type NodeHardwareKey } from './node-hardware-key.js';

/** What a node verifies against: the vendor's key and its own hardware key (with the source it was read from). */
export interface NodeIdentityForVerify {
  issuerPublicKey: string | null;
  hardwareKey: NodeHardwareKey;
}

/**
 * Verifies a license file for this node: issuer signature, hardware key and its source, validity at `at` (null:
 * signature and binding only), and the signed module terms, which must parse as strictly as a catalog.
 */
export function verifyLicenseForNode(
  text: string,
  node: NodeIdentityForVerify,
  at: number | null,
): Outcome<{ payload: LicensePayload; terms: Catalog }> {
  if (!node.issuerPublicKey)
    return fail('LICENSE_MISSING', 'the node has no issuer public key configured (--issuer-public-key)');
  const v = verifyLicenseFile(text, { publicKey: node.issuerPublicKey, hardwareKey: node.hardwareKey.key, at });
  if (!v.ok) return v;
  const source = keySourceAccepts(v.value, node.hardwareKey);
  if (!source.ok) return source;
  const terms = catalogFromTerms(v.value.modules, v.value.catalog ?? v.value.id);
  return terms.ok ? ok({ payload: v.value, terms: terms.value }) : terms;
}

/**
 * An allocation with the terms its chain's license signs. The chain was verified by the caller; it is opened again
 * for the root license, which also decides how this node must read its hardware key (a site of a USB-bound license
 * must read its own key from a USB drive too). `problem` says why an allocation is not taken.
 */
export function allocationForNode(
  allocation: HeldAllocation,
  node: NodeIdentityForVerify,
): { allocation: HeldAllocation | null; fromDeveloper: boolean; problem: string | null } {
  if (!node.issuerPublicKey) return { allocation: { ...allocation, terms: null }, fromDeveloper: false, problem: null };
  const chain = verifyAllocationDocument(allocation.text, {
    issuerPublicKey: node.issuerPublicKey,
    hardwareKey: node.hardwareKey.key,
    at: null,
  });
  if (!chain.ok) return { allocation: { ...allocation, terms: null }, fromDeveloper: false, problem: null };
  const source = keySourceAccepts(chain.value.root, node.hardwareKey);
  if (!source.ok)
    return {
      allocation: null,
      fromDeveloper: false,
      problem: `the allocation from the parent is not used: ${source.message}`,
    };
  const terms = catalogFromTerms(chain.value.root.modules, chain.value.root.catalog ?? chain.value.root.id);
  return {
    allocation: { ...allocation, terms: terms.ok ? terms.value : null },
    fromDeveloper: Boolean(chain.value.root.developer),
    problem: null,
  };
}
