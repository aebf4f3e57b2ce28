import type { KeyObject } from 'node:crypto';
import { fail, ok, type Outcome } from '../errors/outcome.js';
import { LICENSE_BEGIN } from '../license/armor.js';
import { checkValidity, verifyLicenseFile } from '../license/license-file.js';
import type { Entitlement, LicensePayload } from '../license/license-payload.js';
import { importPublicKey } from '../license/public-key.js';
import { openDocument, signDocument, splitDocument } from '../license/signed-document.js';
import { ALLOCATION_BEGIN, ALLOCATION_END, type AllocationPayload } from './allocation-payload.js';
import { validateAllocationPayload } from './validate-allocation-payload.js';

const KIND = { begin: ALLOCATION_BEGIN, end: ALLOCATION_END };
/** A chain deeper than this is refused: no real enterprise tree is, and it bounds the work a document can ask for. */
const MAX_CHAIN_DEPTH = 8;

/** Options of allocation verification. */
export interface VerifyAllocationOptions {
  /** The vendor's public key: the chain must end in a centralized license it signed. */
  issuerPublicKey: string;
  /** The verifying node's hardware key: the allocation must name it as the child. */
  hardwareKey: string;
  /** The parent key this node trusts (pinned at its first sync); when given, the document must be signed by it. */
  parentPublicKey?: string | null;
  /** The time to check every window of the chain at; null checks signatures and bindings only. */
  at: number | null;
  clockToleranceMs?: number;
}

/** A verified allocation with the license its chain ends in. */
export interface VerifiedAllocation {
  payload: AllocationPayload;
  root: LicensePayload;
  depth: number;
}

/** Signs an allocation payload with the parent node's key into an armored allocation document. */
export function signAllocation(payload: AllocationPayload, privateKey: KeyObject, publicKey: KeyObject): string {
  const checked = validateAllocationPayload(payload);
  if (!checked.ok) throw new TypeError(checked.message);
  return signDocument(payload, privateKey, publicKey, KIND);
}

/**
 * Verifies an allocation document offline: the parent's signature, the binding to this node, every link of the
 * chain up to a centralized license signed by the issuer, quantities never above what the link above holds, and
 * (unless `at` is null) every validity window.
 */
export function verifyAllocationDocument(text: string, options: VerifyAllocationOptions): Outcome<VerifiedAllocation> {
  return verifyAt(text, options, 0);
}

function verifyAt(text: string, options: VerifyAllocationOptions, depth: number): Outcome<VerifiedAllocation> {
  if (depth > MAX_CHAIN_DEPTH) return fail('MALFORMED', `allocation chain is deeper than ${MAX_CHAIN_DEPTH} links`);
  const parts = splitDocument(text, KIND);
  if (!parts.ok) return parts;
  let claimed: unknown;
  try {
    claimed = JSON.parse(parts.value.payload.toString('utf8'));
  } catch {
    return fail('MALFORMED', 'allocation payload is not JSON');
  }
  const shape = validateAllocationPayload(claimed);
  if (!shape.ok) return shape;
  const signer = shape.value.parent.publicKey;
  if (options.parentPublicKey) {
    const pinned = importPublicKey(options.parentPublicKey);
    const named = importPublicKey(signer);
    if (!pinned || !named || pinned.kid !== named.kid)
      return fail('SIGNATURE_INVALID', 'allocation is signed by another parent key than the one this node trusts');
  }
  const opened = openDocument(text, signer, KIND);
  if (!opened.ok) return opened;
  const payload = shape.value;
  if (payload.child.hardwareKey !== options.hardwareKey) {
    return fail(
      'HARDWARE_KEY_MISMATCH',
      `allocation is bound to hardware key ${payload.child.hardwareKey.slice(0, 12)}…, not ${options.hardwareKey.slice(0, 12)}…`,
    );
  }
  const above = verifySource(
    payload.source,
    { ...options, hardwareKey: payload.parent.hardwareKey, parentPublicKey: null },
    depth,
  );
  if (!above.ok) return above;
  const { root, entitlements, depth: sourceDepth } = above.value;
  if (payload.customer.id !== root.customer.id)
    return fail(
      'MALFORMED',
      `allocation customer ${payload.customer.id} is not the license's customer ${root.customer.id}`,
    );
  const exceeded = exceeds(payload.entitlements, entitlements);
  if (exceeded) return fail('ALLOCATION_EXCEEDED', exceeded);
  if (options.at !== null) {
    const window = checkValidity(payload, options.at, options.clockToleranceMs ?? 0);
    if (!window.ok)
      return window.code === 'LICENSE_EXPIRED'
        ? fail('LICENSE_EXPIRED', `allocation expired at ${payload.notAfter}`)
        : fail(window.code, `allocation is valid from ${payload.notBefore}`);
  }
  return ok({ payload, root, depth: sourceDepth + 1 });
}

/** Verifies what a parent's authority is: its centralized license, or the allocation it got from its own parent. */
function verifySource(
  text: string,
  options: VerifyAllocationOptions,
  depth: number,
): Outcome<{ root: LicensePayload; entitlements: Entitlement[]; depth: number }> {
  if (typeof text === 'string' && text.includes(LICENSE_BEGIN)) {
    const license = verifyLicenseFile(text, {
      publicKey: options.issuerPublicKey,
      hardwareKey: options.hardwareKey,
      at: options.at,
      clockToleranceMs: options.clockToleranceMs ?? 0,
    });
    if (!license.ok) return fail(license.code, `the parent's license: ${license.message}`);
    if (license.value.scope !== 'centralized')
      return fail(
        'SCOPE_NOT_CENTRALIZED',
        `the parent's license ${license.value.id} is static and cannot be distributed`,
      );
    return ok({ root: license.value, entitlements: license.value.entitlements, depth: 0 });
  }
  const up = verifyAt(text, options, depth + 1);
  if (!up.ok) return up;
  return ok({ root: up.value.root, entitlements: up.value.payload.entitlements, depth: up.value.depth });
}

/** Why `given` asks for more than `held`, or null when every quantity fits. */
function exceeds(given: Entitlement[], held: Entitlement[]): string | null {
  const total = new Map<number, number | null>();
  for (const e of held) {
    const prev = total.get(e.moduleId);
    total.set(e.moduleId, prev === null || e.quantity === null ? null : (prev ?? 0) + e.quantity);
  }
  for (const e of given) {
    if (!total.has(e.moduleId)) return `module ${e.moduleId} is allocated but the parent holds none of it`;
    const cap = total.get(e.moduleId) ?? null;
    if (cap === null) continue;
    if (e.quantity === null || e.quantity > cap)
      return `module ${e.moduleId} is allocated ${e.quantity ?? 'unlimited'} but the parent holds ${cap}`;
  }
  return null;
}
