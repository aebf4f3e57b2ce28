import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  type AllocationPayload,
  formatPublicKey,
  rawPublicKey,
  signAllocation,
  signLicense,
  verifyAllocationDocument,
} from '@licensor/protocol';
import { samplePayload, testIssuerKeys } from './support/license-fixture.js';

// A chain: issuer → centralized license of the License Server (hw A) → allocation to the root Data Server (hw B)
// → allocation to a subordinate server (hw C). Every link is checked: signature, binding, quantities, windows.
const issuer = testIssuerKeys();
const HW = { a: 'a'.repeat(64), b: 'b'.repeat(64), c: 'c'.repeat(64) };
const nodeKeys = () => {
  const k = generateKeyPairSync('ed25519');
  return { ...k, pub: formatPublicKey(rawPublicKey(k.publicKey)) };
};
const ls = nodeKeys();
const root = nodeKeys();
const license = signLicense(
  samplePayload({
    hardwareKey: HW.a,
    scope: 'centralized',
    entitlements: [
      { moduleId: 2001, quantity: 10 },
      { moduleId: 1003, quantity: 2 },
    ],
    notAfter: '2026-12-31T00:00:00.000Z',
  }),
  issuer.privateKey,
  issuer.publicKey,
);
const AT = Date.parse('2026-01-10T00:00:00Z');

function allocation(overrides: Partial<AllocationPayload> = {}, signer = ls): AllocationPayload {
  return {
    v: 1,
    kind: 'allocation',
    id: 'alc_1',
    seq: 1,
    parent: { nodeId: 'node_ls', hardwareKey: HW.a, publicKey: signer.pub },
    child: { nodeId: 'node_root', hardwareKey: HW.b },
    customer: { id: 'cus_1', name: 'Cafe' },
    entitlements: [{ moduleId: 2001, quantity: 6 }],
    issuedAt: '2026-01-09T00:00:00.000Z',
    notBefore: '2026-01-09T00:00:00.000Z',
    notAfter: '2026-01-12T00:00:00.000Z',
    source: license,
    ...overrides,
  };
}
const sign = (p: AllocationPayload, k = ls) => signAllocation(p, k.privateKey, k.publicKey);
const verify = (text: string, hardwareKey = HW.b, at: number | null = AT, parentPublicKey: string | null = null) =>
  verifyAllocationDocument(text, { issuerPublicKey: issuer.pub, hardwareKey, parentPublicKey, at });

describe('allocation documents', () => {
  it('verifies a first-level allocation chained to a centralized license', () => {
    const v = verify(sign(allocation()));
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.equal(v.value.root.scope, 'centralized');
    assert.equal(v.value.depth, 1);
  });

  it('verifies a second-level allocation through its parent allocation', () => {
    const first = sign(
      allocation({
        entitlements: [
          { moduleId: 2001, quantity: 6 },
          { moduleId: 1003, quantity: 2 },
        ],
      }),
    );
    const second = sign(
      allocation(
        {
          id: 'alc_2',
          parent: { nodeId: 'node_root', hardwareKey: HW.b, publicKey: root.pub },
          child: { nodeId: 'node_sub', hardwareKey: HW.c },
          entitlements: [{ moduleId: 2001, quantity: 2 }],
          source: first,
        },
        root,
      ),
      root,
    );
    const v = verify(second, HW.c, AT, root.pub);
    assert.ok(v.ok, v.ok ? '' : v.message);
    assert.equal(v.value.depth, 2);
    // More than the parent's own allocation is refused, though the license at the top would cover it.
    const greedy = sign(
      allocation(
        {
          parent: { nodeId: 'node_root', hardwareKey: HW.b, publicKey: root.pub },
          child: { nodeId: 'node_sub', hardwareKey: HW.c },
          entitlements: [{ moduleId: 2001, quantity: 7 }],
          source: first,
        },
        root,
      ),
      root,
    );
    const g = verify(greedy, HW.c);
    assert.equal(g.ok ? 'ok' : g.code, 'ALLOCATION_EXCEEDED');
  });

  it('refuses another node, another parent key, a static source, excess, and windows that ended', () => {
    const doc = sign(allocation());
    const code = (o: ReturnType<typeof verify>) => (o.ok ? 'ok' : o.code);
    assert.equal(code(verify(doc, HW.c)), 'HARDWARE_KEY_MISMATCH');
    assert.equal(code(verify(doc, HW.b, AT, root.pub)), 'SIGNATURE_INVALID');
    assert.equal(code(verify(doc, HW.b, Date.parse('2026-01-12T00:00:00Z'))), 'LICENSE_EXPIRED');
    assert.equal(code(verify(doc, HW.b, Date.parse('2026-01-08T00:00:00Z'))), 'LICENSE_NOT_YET_VALID');
    assert.equal(code(verify(doc, HW.b, null)), 'ok');
    const staticLicense = signLicense(
      samplePayload({
        hardwareKey: HW.a,
        scope: 'static',
        notAfter: '2026-12-31T00:00:00.000Z',
        entitlements: [{ moduleId: 2001, quantity: 10 }],
      }),
      issuer.privateKey,
      issuer.publicKey,
    );
    assert.equal(code(verify(sign(allocation({ source: staticLicense })))), 'SCOPE_NOT_CENTRALIZED');
    assert.equal(
      code(verify(sign(allocation({ entitlements: [{ moduleId: 2001, quantity: 11 }] })))),
      'ALLOCATION_EXCEEDED',
    );
    assert.equal(
      code(verify(sign(allocation({ entitlements: [{ moduleId: 4001, quantity: 1 }] })))),
      'ALLOCATION_EXCEEDED',
    );
    // The source license must belong to the parent named in the document.
    assert.equal(
      code(verify(sign(allocation({ parent: { nodeId: 'node_ls', hardwareKey: HW.c, publicKey: ls.pub } })))),
      'HARDWARE_KEY_MISMATCH',
    );
    // A parent key the issuer never saw cannot forge a license at the top of the chain.
    const rogue = testIssuerKeys();
    const fakeLicense = signLicense(
      samplePayload({ hardwareKey: HW.a, scope: 'centralized', entitlements: [{ moduleId: 2001, quantity: 99 }] }),
      rogue.privateKey,
      rogue.publicKey,
    );
    assert.equal(code(verify(sign(allocation({ source: fakeLicense })))), 'SIGNATURE_INVALID');
  });

  it('refuses a document signed by a key other than the one it names', () => {
    const other = nodeKeys();
    const text = signAllocation(allocation(), other.privateKey, other.publicKey);
    const v = verify(text);
    assert.equal(v.ok ? 'ok' : v.code, 'SIGNATURE_INVALID');
  });

  it('refuses every single-character change of the armored body', () => {
    const text = sign(allocation({ source: license }));
    const lines = text.split('\n');
    const body = lines.slice(1, -2).join('');
    // Sample positions across header, payload and signature: a full sweep of a document with an embedded license is slow.
    for (let i = 0; i < body.length; i += Math.max(1, Math.floor(body.length / 400))) {
      const c = body[i] as string;
      const flipped = body.slice(0, i) + (c === 'A' ? 'B' : 'A') + body.slice(i + 1);
      const tampered = `${lines[0]}\n${flipped}\n${lines.at(-2)}\n`;
      assert.equal(verify(tampered).ok, false, `change at ${i} accepted`);
    }
  });

  it('survives arbitrary input without throwing (fuzz)', () => {
    const good = sign(allocation());
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const samples: unknown[] = [
      undefined,
      null,
      42,
      {},
      [],
      '',
      '-----BEGIN LICENSOR ALLOCATION-----\n-----END LICENSOR ALLOCATION-----',
    ];
    for (let i = 0; i < 500; i++) {
      const cut = Math.floor(rand() * good.length);
      const junk = String.fromCharCode(Math.floor(rand() * 128));
      samples.push(good.slice(0, cut) + junk + good.slice(cut + 1), good.slice(0, cut));
    }
    for (const s of samples) {
      const v = verifyAllocationDocument(s as string, { issuerPublicKey: issuer.pub, hardwareKey: HW.b, at: AT });
      assert.equal(typeof v.ok, 'boolean');
    }
  });
});
