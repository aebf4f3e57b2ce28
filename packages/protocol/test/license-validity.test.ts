import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkValidity, type LicensePayload, signLicense, verifyLicenseFile } from '@licensor/protocol';
import { samplePayload, testIssuerKeys } from './support/license-fixture.js';

const { privateKey, publicKey, pub } = testIssuerKeys();
const hw = 'b'.repeat(64);
const base: LicensePayload = samplePayload({
  id: 'lic_window',
  notBefore: '2026-03-01T00:00:00.000Z',
  notAfter: '2026-04-01T00:00:00.000Z',
});
const NB = Date.parse(base.notBefore);
const NA = Date.parse(base.notAfter!);
const file = signLicense(base, privateKey, publicKey);
const code = (at: number | Date, toleranceMs?: number, hardwareKey: string | undefined = hw) => {
  const r = verifyLicenseFile(file, {
    publicKey: pub,
    at,
    ...(toleranceMs === undefined ? {} : { clockToleranceMs: toleranceMs }),
    ...(hardwareKey === undefined ? {} : { hardwareKey }),
  });
  return r.ok ? 'OK' : r.code;
};

test('not-before boundary: valid from exactly notBefore, not a millisecond earlier', () => {
  assert.equal(code(NB - 1), 'LICENSE_NOT_YET_VALID');
  assert.equal(code(NB), 'OK');
  assert.equal(code(new Date(NB)), 'OK', 'a Date works as well as a number');
});

test('expiry boundary: valid until the millisecond before notAfter', () => {
  assert.equal(code(NA - 1), 'OK');
  assert.equal(code(NA), 'LICENSE_EXPIRED');
  assert.equal(code(NA + 86_400_000), 'LICENSE_EXPIRED');
});

test('clock tolerance widens both ends by exactly the tolerance', () => {
  assert.equal(code(NB - 5000, 5000), 'OK');
  assert.equal(code(NB - 5001, 5000), 'LICENSE_NOT_YET_VALID');
  assert.equal(code(NA + 4999, 5000), 'OK');
  assert.equal(code(NA + 5000, 5000), 'LICENSE_EXPIRED');
});

test('a permanent license never expires', () => {
  const perm = signLicense({ ...base, term: { type: 'permanent' }, notAfter: null }, privateKey, publicKey);
  const r = verifyLicenseFile(perm, { publicKey: pub, at: Date.parse('2999-01-01T00:00:00Z') });
  assert.ok(r.ok);
  assert.equal(checkValidity({ notBefore: base.notBefore, notAfter: null }, NB - 1).ok, false);
});

test('hardware key: mismatch, malformed, forgiven case and spaces', () => {
  const mid = NB + 1000;
  assert.equal(code(mid, 0, 'c'.repeat(64)), 'HARDWARE_KEY_MISMATCH');
  assert.equal(code(mid, 0, 'b'.repeat(63)), 'HARDWARE_KEY_INVALID');
  assert.equal(code(mid, 0, `${'b'.repeat(63)}g`), 'HARDWARE_KEY_INVALID');
  assert.equal(code(mid, 0, ` ${'B'.repeat(64)} `), 'OK');
  assert.equal(code(mid, 0, undefined), 'OK', 'no hardware key given: not checked');
});

test('signLicense refuses a malformed payload', () => {
  assert.throws(() => signLicense({ ...base, hardwareKey: 'xyz' }, privateKey, publicKey), /hardwareKey/);
  assert.throws(() => signLicense({ ...base, term: { type: 'permanent' } }, privateKey, publicKey), /notAfter/);
});
