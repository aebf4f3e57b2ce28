import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { formatPublicKey, type LicensePayload, rawPublicKey, signLicense, verifyLicenseFile } from '@licensor/protocol';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pub = formatPublicKey(rawPublicKey(publicKey));
const hw = 'a'.repeat(64);
const payload: LicensePayload = {
  v: 1,
  id: 'lic_test',
  issuer: 'Test Vendor',
  customer: { id: 'cus_1', name: 'Cafe' },
  hardwareKey: hw,
  scope: 'static',
  term: { type: 'temporary' },
  entitlements: [{ moduleId: 4001, quantity: 5 }],
  issuedAt: '2026-01-01T00:00:00.000Z',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
};

test('issue → verify round trip', () => {
  const file = signLicense(payload, privateKey, publicKey);
  const r = verifyLicenseFile(file, { publicKey: pub, hardwareKey: hw, at: Date.parse('2026-06-01T00:00:00Z') });
  assert.ok(r.ok);
  assert.deepEqual(r.value, payload);
});
