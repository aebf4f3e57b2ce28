import { fail, ok, type Outcome, peekLicenseFile } from '@licensor/protocol';
import type { LicenseHolder } from '../node/license-installer.js';
import type { AuditActor } from '../store/store.js';

/**
 * Installs a license file when it renews what the node holds: the same license id re-issued with a later end (a
 * rental renewed, a temporary license extended), or any license when the node holds none. Another license id is left
 * alone (an admin installed it on purpose), and an older file never replaces a newer one. The node verifies the file
 * (issuer key, its own hardware key) before installing it.
 */
export async function takeRenewedLicense(
  node: LicenseHolder,
  text: string,
  actor: string | AuditActor,
): Promise<Outcome<'installed' | 'kept'>> {
  const installed = node.license;
  if (installed?.text === text) return ok('kept');
  const peeked = peekLicenseFile(text);
  if (!peeked.ok) return fail(peeked.code, peeked.message);
  if (installed) {
    if (installed.payload.id !== peeked.value.id) return ok('kept');
    const end = (iso: string | null) => (iso === null ? Number.POSITIVE_INFINITY : Date.parse(iso));
    if (end(peeked.value.notAfter) <= end(installed.payload.notAfter)) return ok('kept');
  }
  const r = await node.installLicense(text, actor);
  return r.ok ? ok('installed') : r;
}
