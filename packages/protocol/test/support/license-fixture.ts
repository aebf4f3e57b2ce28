import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { formatPublicKey, type LicensePayload, type ModuleTerms, rawPublicKey } from '@licensor/protocol';

/** A fresh Ed25519 issuer key pair with its public key in Licensor's text form. */
export function testIssuerKeys(): { privateKey: KeyObject; publicKey: KeyObject; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, pub: formatPublicKey(rawPublicKey(publicKey)) };
}

/** Signed terms for a module ID, as the vendor CLI would copy them from a catalog (a plain REJECT_NEW application). */
export function sampleTerms(id: number): ModuleTerms {
  return {
    id,
    name: `Module ${id}`,
    kind: 'application',
    policy: { strategy: 'REJECT_NEW' },
    heartbeatTtlSeconds: 60,
    developer: 'test',
  };
}

/** A valid temporary license payload for January 2026; tests override what they exercise (terms follow entitlements). */
export function samplePayload(overrides: Partial<LicensePayload> = {}): LicensePayload {
  const entitlements = overrides.entitlements ?? [{ moduleId: 4001, quantity: 5 }];
  return {
    modules: entitlements.map((e) => sampleTerms(e.moduleId)),
    v: 2,
    id: 'lic_sample',
    issuer: 'Test Vendor',
    customer: { id: 'cus_1', name: 'Cafe' },
    hardwareKey: 'b'.repeat(64),
    scope: 'static',
    term: { type: 'temporary' },
    entitlements: [{ moduleId: 4001, quantity: 5 }],
    keySource: 'usb',
    issuedAt: '2026-01-01T00:00:00.000Z',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-02-01T00:00:00.000Z',
    ...overrides,
  };
}
