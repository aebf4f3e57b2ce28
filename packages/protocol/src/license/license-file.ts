import type { KeyObject } from 'node:crypto';
import { fail, ok, type Outcome } from '../errors/outcome.js';
import { parseHardwareKey } from '../hardware-key.js';
import { LICENSE_BEGIN, LICENSE_END } from './armor.js';
import type { LicensePayload } from './license-payload.js';
import { openDocument, signDocument, splitDocument } from './signed-document.js';
import { validateLicensePayload } from './validate-payload.js';

const KIND = { begin: LICENSE_BEGIN, end: LICENSE_END };

/** Options of offline license verification. */
export interface VerifyOptions {
  /** The vendor's Ed25519 public key (`ed25519:<base64url>` or PEM). */
  publicKey: string;
  /** When given, the license must be bound to this hardware key. */
  hardwareKey?: string;
  /** The time to check validity at; defaults to now; null skips the validity window (signature and binding only). */
  at?: Date | number | null;
  /** Allowed clock skew in milliseconds on both ends of the validity window (default 0). */
  clockToleranceMs?: number;
}

/** Signs a license payload into an armored license file. */
export function signLicense(payload: LicensePayload, privateKey: KeyObject, publicKey: KeyObject): string {
  const checked = validateLicensePayload(payload);
  if (!checked.ok) throw new TypeError(checked.message);
  return signDocument(payload, privateKey, publicKey, KIND);
}

/** Verifies a license file offline: armor, signature, shape, hardware key and validity window. */
export function verifyLicenseFile(text: string, options: VerifyOptions): Outcome<LicensePayload> {
  const opened = openDocument(text, options.publicKey, KIND);
  if (!opened.ok) return opened;
  const payload = validateLicensePayload(opened.value);
  if (!payload.ok) return payload;
  const license = payload.value;
  // The common case, an exact match, skips normalising the caller's key.
  if (options.hardwareKey !== undefined && options.hardwareKey !== license.hardwareKey) {
    const hw = parseHardwareKey(options.hardwareKey);
    if (!hw.ok) return hw;
    if (hw.value !== license.hardwareKey) {
      return fail(
        'HARDWARE_KEY_MISMATCH',
        `license is bound to hardware key ${license.hardwareKey.slice(0, 12)}…, not ${hw.value.slice(0, 12)}…`,
      );
    }
  }
  if (options.at === null) return ok(license);
  const window = checkValidity(license, options.at ?? Date.now(), options.clockToleranceMs ?? 0);
  return window.ok ? ok(license) : window;
}

/** Checks a license's validity window at a time, with a tolerance for clock skew. */
export function checkValidity(
  license: Pick<LicensePayload, 'notBefore' | 'notAfter'>,
  at: Date | number,
  toleranceMs = 0,
): Outcome<true> {
  const now = typeof at === 'number' ? at : at.getTime();
  if (now + toleranceMs < Date.parse(license.notBefore))
    return fail('LICENSE_NOT_YET_VALID', `license is valid from ${license.notBefore}`);
  if (license.notAfter !== null && now - toleranceMs >= Date.parse(license.notAfter))
    return fail('LICENSE_EXPIRED', `license expired at ${license.notAfter}`);
  return ok(true);
}

/** Reads a license file's payload without checking the signature (for display only, never for decisions). */
export function peekLicenseFile(text: string): Outcome<LicensePayload> {
  const parts = splitDocument(text, KIND);
  if (!parts.ok) return parts;
  try {
    return validateLicensePayload(JSON.parse(parts.value.payload.toString('utf8')));
  } catch {
    return fail('MALFORMED', 'license payload is not JSON');
  }
}

/** One line describing a license for a person. */
export function summarizeLicense(l: LicensePayload): string {
  const term =
    l.term.type === 'permanent'
      ? 'permanent'
      : `${l.term.type}${l.term.type === 'rental' ? `/${l.term.period}` : ''} until ${l.notAfter}`;
  const ents = l.entitlements.map((e) => `${e.moduleId}=${e.quantity ?? '∞'}`).join(' ');
  return `${l.id} ${l.scope} ${term} customer=${JSON.stringify(l.customer.name)} hw=${l.hardwareKey.slice(0, 12)}… modules: ${ents || '(none)'}${l.developer ? ` developer=${l.developer.id} (non-production)` : ''}`;
}
