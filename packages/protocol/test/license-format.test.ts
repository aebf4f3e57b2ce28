import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signDocument, LICENSE_BEGIN, LICENSE_END, verifyLicenseFile } from '@licensor/protocol';
import { samplePayload, testIssuerKeys } from './support/license-fixture.js';

const keys = testIssuerKeys();
const AT = Date.parse('2026-01-15T00:00:00Z');
const signRaw = (payload: object) =>
  signDocument(payload, keys.privateKey, keys.publicKey, { begin: LICENSE_BEGIN, end: LICENSE_END });
const verify = (text: string) => verifyLicenseFile(text, { publicKey: keys.pub, at: AT });

test('a format v1 license (no signed terms, no key source) is refused with a message that says to reissue it', () => {
  const { modules: _m, keySource: _k, ...old } = samplePayload();
  const r = verify(signRaw({ ...old, v: 1 }));
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.code, 'MALFORMED');
  assert.match(r.ok ? '' : r.message, /format v1 carries no signed module policy or key source.*reissue/);
});

test('a v2 license must sign a known key source and terms for every granted module', () => {
  const noSource = verify(signRaw({ ...samplePayload(), keySource: 'wifi' }));
  assert.match(noSource.ok ? '' : noSource.message, /keySource must be usb, machine-id, any/);
  const noTerms = verify(signRaw({ ...samplePayload(), modules: [] }));
  assert.match(noTerms.ok ? '' : noTerms.message, /no terms for granted module 4001/);
  const twice = verify(
    signRaw({ ...samplePayload(), modules: [...samplePayload().modules, ...samplePayload().modules] }),
  );
  assert.match(twice.ok ? '' : twice.message, /names module 4001 twice/);
  const ok = verify(signRaw(samplePayload()));
  assert.ok(ok.ok, ok.ok ? '' : ok.message);
  assert.equal(ok.value.keySource, 'usb');
});
