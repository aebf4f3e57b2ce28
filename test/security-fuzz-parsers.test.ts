import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  canonicalJson,
  formatPublicKey,
  isErrorCode,
  LICENSE_BEGIN,
  LICENSE_END,
  type LicensePayload,
  rawPublicKey,
  signDocument,
  signLicense,
  toBase64url,
  verifyLicenseFile,
} from '@licensor/protocol';
import fc from 'fast-check';
import { printable, RUNS } from './support/fuzz-arbitraries.js';
import { validateSessionRequest } from '../packages/server/src/session/validate-session-request.js';

test('license-file parser fuzz: arbitrary and mutated files never throw, and only the signed payload ever verifies', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = formatPublicKey(rawPublicKey(publicKey));
  const hardwareKey = 'c'.repeat(64);
  const payload: LicensePayload = {
    v: 2,
    id: 'lic_fuzz',
    issuer: 'Fuzz Vendor',
    customer: { id: 'cus_fuzz', name: 'Fuzz Cafe' },
    hardwareKey,
    scope: 'static',
    term: { type: 'permanent' },
    entitlements: [{ moduleId: 4001, quantity: 5 }],
    keySource: 'any',
    modules: [
      {
        id: 4001,
        name: 'OpenService.Manager',
        kind: 'application',
        policy: { strategy: 'REJECT_NEW' },
        heartbeatTtlSeconds: 60,
        developer: 'openservice',
      },
    ],
    issuedAt: '2026-01-01T00:00:00.000Z',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: null,
  };
  const valid = signLicense(payload, privateKey, publicKey);
  const opts = { publicKey: pub, hardwareKey, at: Date.parse('2026-06-01T00:00:00Z') };
  assert.equal(verifyLicenseFile(valid, opts).ok, true);
  let cases = 0;
  const check = (text: string) => {
    cases++;
    const r = verifyLicenseFile(text, opts);
    if (r.ok) assert.equal(canonicalJson(r.value), canonicalJson(payload), 'only the signed payload verifies');
    else assert.ok(isErrorCode(r.code), r.code);
    return r;
  };
  const armored = (body: fc.Arbitrary<string>) => body.map((b) => `${LICENSE_BEGIN}\n${b}\n${LICENSE_END}\n`);
  const b64 = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => toBase64url(Buffer.from(s))),
    fc.jsonValue().map((v) => toBase64url(JSON.stringify(v) ?? '')),
    printable(50),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 2000 }),
        armored(fc.string({ maxLength: 500 })),
        armored(fc.tuple(b64, b64, b64).map((p) => p.join('.'))),
        armored(
          fc.tuple(fc.jsonValue(), b64, b64).map(([h, p, s]) => `${toBase64url(JSON.stringify(h) ?? '')}.${p}.${s}`),
        ),
      ),
      (text) => {
        assert.equal(check(text).ok, false);
      },
    ),
    { numRuns: RUNS * 10 },
  );
  // Mutations of the valid file: flip, insert, delete, duplicate, truncate; any that still verifies must carry the
  // exact signed payload (e.g. text around the armor or line breaks inside it).
  const mutation = fc.oneof(
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 0x7f })).map(
      ([i, c]) =>
        (s: string) =>
          s.slice(0, i) + String.fromCharCode(c) + s.slice(i + 1),
    ),
    fc.tuple(fc.nat(valid.length), fc.string({ unit: 'binary', maxLength: 5 })).map(
      ([i, x]) =>
        (s: string) =>
          s.slice(0, i) + x + s.slice(i),
    ),
    fc.tuple(fc.nat(valid.length), fc.nat(40)).map(
      ([i, n]) =>
        (s: string) =>
          s.slice(0, i) + s.slice(i + n),
    ),
    fc.tuple(fc.nat(valid.length), fc.nat(valid.length)).map(
      ([a, b]) =>
        (s: string) =>
          s + s.slice(Math.min(a, b), Math.max(a, b)),
    ),
  );
  let verified = 0;
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      const text = ms.reduce((s, m) => m(s), valid);
      if (check(text).ok) verified++;
    }),
    { numRuns: RUNS * 10 },
  );
  // Validly signed documents whose payload is arbitrary JSON, or the real payload with one field replaced: the shape
  // check must refuse (or accept) them without throwing.
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v === 'object' && v !== null),
        fc
          .tuple(fc.constantFrom(...Object.keys(payload)), fc.jsonValue({ maxDepth: 2 }))
          .map(([k, v]) => ({ ...payload, [k]: v })),
      ),
      (doc) => {
        cases++;
        const r = verifyLicenseFile(
          signDocument(doc as object, privateKey, publicKey, { begin: LICENSE_BEGIN, end: LICENSE_END }),
          opts,
        );
        if (!r.ok) assert.ok(isErrorCode(r.code), r.code);
      },
    ),
    { numRuns: RUNS * 5 },
  );
  console.log(
    `license-file fuzz: ${cases} cases (${verified} mutated files still verified, each with the signed payload unchanged)`,
  );
});

test('session message validator fuzz: arbitrary JSON never throws; accepted messages have the shape the session handles', () => {
  let cases = 0;
  let accepted = 0;
  const op = fc.constantFrom(
    'acquire',
    'heartbeat',
    'release',
    'member.sync',
    'quota.report',
    'quota.check',
    'profile.check',
    'enabled',
    'status',
    'nope',
    '',
  );
  const anyValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      1,
      4001,
      'pos-1',
      [4001],
      [{ moduleId: 4001, holderId: 'a', leaseId: 'l', active: true }],
      0,
      -1,
      2 ** 53,
    ),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record(
          {
            id: anyValue,
            op,
            moduleId: anyValue,
            holderId: anyValue,
            memberId: anyValue,
            features: anyValue,
            count: anyValue,
            operation: anyValue,
            leases: anyValue,
            leaseId: anyValue,
          },
          { requiredKeys: [] },
        ),
        fc.record({ id: fc.nat(), op }, { requiredKeys: ['id', 'op'] }).chain((base) =>
          fc
            .record({
              moduleId: anyValue,
              holderId: anyValue,
              leases: fc.array(fc.dictionary(fc.constantFrom('moduleId', 'holderId', 'leaseId', 'active'), anyValue)),
            })
            .map((x) => ({ ...base, ...x })),
        ),
      ),
      (raw) => {
        cases++;
        const r = validateSessionRequest(raw);
        if (!r.ok) {
          assert.equal(r.code, 'VALIDATION_FAILED');
          assert.ok(r.field);
          return;
        }
        accepted++;
        const m = r.value as unknown as Record<string, unknown>;
        assert.ok(Number.isSafeInteger(m.id) && (m.id as number) >= 1);
      },
    ),
    { numRuns: RUNS * 20 },
  );
  console.log(`session validator fuzz: ${cases} cases (${accepted} accepted)`);
});
