import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LicensePayload, signLicense, verifyLicenseFile } from '@licensor/protocol';
import { samplePayload, testIssuerKeys } from './support/license-fixture.js';

const { privateKey, publicKey, pub } = testIssuerKeys();
const hw = 'a'.repeat(64);
const payload: LicensePayload = samplePayload({
  id: 'lic_test',
  hardwareKey: hw,
  notAfter: '2027-01-01T00:00:00.000Z',
});

test('issue → verify round trip', () => {
  const file = signLicense(payload, privateKey, publicKey);
  const r = verifyLicenseFile(file, { publicKey: pub, hardwareKey: hw, at: Date.parse('2026-06-01T00:00:00Z') });
  assert.ok(r.ok);
  assert.deepEqual(r.value, payload);
});
