import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LicensePayload, signLicense } from '@licensor/protocol';
import { verifyLicenseFile } from '@licensor/sdk';
import { samplePayload, testIssuerKeys } from '../../protocol/test/support/license-fixture.js';

const { privateKey, publicKey, pub } = testIssuerKeys();
const hw = 'b'.repeat(64);
const payload: LicensePayload = samplePayload({ id: 'lic_sdk', entitlements: [{ moduleId: 21016318, quantity: 2 }] });
const file = signLicense(payload, privateKey, publicKey);
const notBefore = Date.parse(payload.notBefore);
const notAfter = Date.parse(payload.notAfter as string);

test('offline: a valid license verifies through the SDK with no node', () => {
  const r = verifyLicenseFile(file, { publicKey: pub, hardwareKey: hw, at: notBefore + 1_000 });
  assert.ok(r.ok);
  assert.equal(r.value.entitlements[0]?.moduleId, 21016318);
});

test('offline: a clock a little behind the license start is accepted within clockToleranceMs', () => {
  const at = notBefore - 30_000;
  const strict = verifyLicenseFile(file, { publicKey: pub, at });
  assert.equal(strict.ok, false);
  assert.equal(!strict.ok && strict.code, 'LICENSE_NOT_YET_VALID');
  assert.ok(verifyLicenseFile(file, { publicKey: pub, at, clockToleranceMs: 60_000 }).ok);
});

test('offline: a clock a little past the license end is accepted within clockToleranceMs, not beyond', () => {
  const at = notAfter + 30_000;
  const strict = verifyLicenseFile(file, { publicKey: pub, at });
  assert.equal(!strict.ok && strict.code, 'LICENSE_EXPIRED');
  assert.ok(verifyLicenseFile(file, { publicKey: pub, at, clockToleranceMs: 60_000 }).ok);
  const far = verifyLicenseFile(file, { publicKey: pub, at: notAfter + 120_000, clockToleranceMs: 60_000 });
  assert.equal(!far.ok && far.code, 'LICENSE_EXPIRED');
});

test('offline: one changed byte fails the signature', () => {
  const lines = file.split('\n');
  const i = lines.findIndex((l) => !l.startsWith('-----') && l.length > 10);
  const line = lines[i] as string;
  lines[i] = line.slice(0, 5) + (line[5] === 'A' ? 'B' : 'A') + line.slice(6);
  const r = verifyLicenseFile(lines.join('\n'), { publicKey: pub, at: notBefore + 1_000 });
  assert.equal(r.ok, false);
});

test('offline: a license bound to another hardware key is refused', () => {
  const r = verifyLicenseFile(file, { publicKey: pub, hardwareKey: 'c'.repeat(64), at: notBefore + 1_000 });
  assert.equal(!r.ok && r.code, 'HARDWARE_KEY_MISMATCH');
});
