import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  armor,
  dearmor,
  formatPublicKey,
  LICENSE_BEGIN,
  LICENSE_END,
  type LicensePayload,
  rawPublicKey,
  signLicense,
  verifyLicenseFile,
} from '@licensor/protocol';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pub = formatPublicKey(rawPublicKey(publicKey));
const hw = '0123456789abcdef'.repeat(4);
const payload: LicensePayload = {
  v: 2,
  id: 'lic_tamper',
  issuer: 'Test Vendor',
  customer: { id: 'cus_1', name: 'Café «Central»' },
  hardwareKey: hw,
  scope: 'centralized',
  term: { type: 'rental', period: 'month' },
  entitlements: [
    { moduleId: 1001, quantity: null },
    { moduleId: 2001, quantity: 12 },
    { moduleId: 5001, quantity: 4 },
  ],
  developer: { id: 'acme-plugins' },
  catalog: 'openservice+syrve-plugins',
  keySource: 'usb',
  modules: [1001, 2001, 5001].map((id) => ({
    id,
    name: `Module ${id}`,
    kind: 'application',
    policy: id === 5001 ? { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 900 } : { strategy: 'UNCOUNTED' },
    heartbeatTtlSeconds: 60,
    developer: 'openservice',
  })),
  issuedAt: '2026-01-01T00:00:00.000Z',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2026-02-01T00:00:00.000Z',
};
const at = Date.parse('2026-01-15T00:00:00Z');
const file = signLicense(payload, privateKey, publicKey);
const verify = (text: string) => verifyLicenseFile(text, { publicKey: pub, hardwareKey: hw, at });
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

test('the untouched file verifies', () => {
  const r = verify(file);
  assert.ok(r.ok, r.ok ? '' : r.message);
  assert.deepEqual(r.value, payload);
});

test('every character of the armored body, changed in its lowest and highest bit, is rejected', () => {
  const body = dearmor(file)!;
  let checked = 0;
  for (let i = 0; i < body.length; i++) {
    const idx = ALPHABET.indexOf(body[i]!);
    if (idx < 0) continue; // the '.' separators are covered by the malformed-structure test
    for (const bit of [1, 32]) {
      const changed = body.slice(0, i) + ALPHABET[idx ^ bit] + body.slice(i + 1);
      const r = verify(armor(changed));
      assert.equal(r.ok, false, `body position ${i}: ${body[i]} → ${ALPHABET[idx ^ bit]} was accepted`);
      checked++;
    }
  }
  assert.ok(checked > 1000, `checked ${checked}`);
});

test('every character of the armor lines, changed, is rejected', () => {
  for (const line of [LICENSE_BEGIN, LICENSE_END]) {
    const start = file.indexOf(line);
    for (let i = start; i < start + line.length; i++) {
      const changed = file.slice(0, i) + String.fromCharCode(file.charCodeAt(i) ^ 1) + file.slice(i + 1);
      assert.equal(verify(changed).ok, false, `armor position ${i - start} of ${line}`);
    }
  }
});

test('every byte of each decoded part (header, signed payload, signature), flipped, is rejected', () => {
  const parts = dearmor(file)!
    .split('.')
    .map((p) => Buffer.from(p, 'base64url'));
  assert.equal(parts.length, 3);
  parts.forEach((part, which) => {
    for (let i = 0; i < part.length; i++) {
      for (const bit of [0x01, 0x20, 0x80]) {
        const b = Buffer.from(part);
        b[i]! ^= bit;
        const body = parts.map((p, j) => (j === which ? b : p).toString('base64url')).join('.');
        const r = verify(armor(body));
        assert.equal(r.ok, false, `part ${which} byte ${i} ^ ${bit}`);
        if (which === 1 && !r.ok) assert.equal(r.code, 'SIGNATURE_INVALID');
      }
    }
  });
});

test('a body that is not header.payload.signature is MALFORMED', () => {
  const body = dearmor(file)!;
  for (const changed of [body.replace('.', ''), `${body}.`, body.replaceAll('.', '..')]) {
    const r = verify(armor(changed));
    assert.equal(r.ok ? 'ok' : r.code, 'MALFORMED');
  }
});

test('a non-canonical base64url ending (unused low bits set) is rejected, not silently decoded', () => {
  const body = dearmor(file)!;
  const last = body.length - 1;
  const idx = ALPHABET.indexOf(body[last]!);
  for (let other = 0; other < 64; other++) {
    if (other === idx) continue;
    const r = verify(armor(body.slice(0, last) + ALPHABET[other]));
    assert.equal(r.ok, false, `last character ${ALPHABET[other]}`);
  }
});

test('a wrong public key is SIGNATURE_INVALID and names both key ids', () => {
  const other = generateKeyPairSync('ed25519').publicKey;
  const r = verifyLicenseFile(file, { publicKey: formatPublicKey(rawPublicKey(other)), at });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, 'SIGNATURE_INVALID');
    assert.match(r.message, /signed by key [0-9a-f]{16}, not by [0-9a-f]{16}/);
  }
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  assert.ok(verifyLicenseFile(file, { publicKey: pem, at }).ok, 'the right key as PEM verifies');
  const bad = verifyLicenseFile(file, { publicKey: 'ed25519:short', at });
  assert.equal(bad.ok ? 'ok' : bad.code, 'VALIDATION_FAILED');
});

test('malformed files are MALFORMED', () => {
  for (const text of [
    '',
    'hello',
    `${LICENSE_BEGIN}\n!!!\n${LICENSE_END}\n`,
    armor(Buffer.from('not json').toString('base64url')),
    armor(Buffer.from('{"alg":"Ed25519"}').toString('base64url')),
  ]) {
    const r = verify(text);
    assert.equal(r.ok ? 'ok' : r.code, 'MALFORMED', JSON.stringify(text));
  }
});

test('line wrapping and surrounding text do not matter', () => {
  const body = dearmor(file)!;
  const rewrapped = `Licence for Café Central\r\n\r\n${LICENSE_BEGIN}\r\n${body.match(/.{1,40}/g)!.join('\r\n')}\r\n${LICENSE_END}\r\n`;
  assert.ok(verify(rewrapped).ok);
});
