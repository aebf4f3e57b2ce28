import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armor, LICENSE_BEGIN, LICENSE_END, splitDocument } from '@licensor/protocol';
import { FakeClock, startTestNode } from './support/test-node.js';

/** Re-armors a license with one byte of its signed payload changed (quantity 2 → 5), header and signature kept. */
function tamper(license: string): string {
  const kind = { begin: LICENSE_BEGIN, end: LICENSE_END };
  const parts = splitDocument(license, kind);
  if (!parts.ok) throw new Error(parts.message);
  const signed = parts.value.payload.toString('utf8');
  const changed = signed.replace('"quantity":2', '"quantity":5');
  assert.notEqual(changed, signed);
  assert.equal(changed.length, signed.length);
  const b64 = (x: string | Buffer) => Buffer.from(x).toString('base64url');
  return armor(
    `${b64(JSON.stringify(parts.value.header))}.${b64(changed)}.${b64(parts.value.sig)}`,
    kind.begin,
    kind.end,
  );
}

// Seed: without a Data Server license, work with client applications stops, but sync with the License Server stays
// active so that a license can be obtained.
test('a node without a license refuses client work with LICENSE_MISSING but keeps status, health and license install', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }], license: false });
  try {
    const refused = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'LICENSE_MISSING');
    const member = await t.api('PUT', '/v1/modules/2001/members/reg-1', {}, t.appToken);
    assert.equal(member.body.code, 'LICENSE_MISSING');
    const enabled = await t.api('GET', '/v1/modules/4001/enabled', undefined, t.appToken);
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.enabled, false);
    assert.equal(enabled.body.code, 'LICENSE_MISSING');

    const status = await t.api('GET', '/v1/status', undefined, t.appToken);
    assert.equal(status.status, 200);
    assert.equal(status.body.license.state, 'missing');
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await t.api('GET', '/v1/pools')).status, 200, 'admin endpoints stay alive');

    const install = await t.api('PUT', '/v1/license', { license: t.sign() });
    assert.equal(install.status, 200, JSON.stringify(install.body));
    assert.equal(install.body.state.state, 'valid');
    const ok = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await t.api('GET', '/v1/status', undefined, t.appToken)).body.license.state, 'valid');
    const installed = await t.api('GET', '/v1/events?type=license.installed');
    assert.equal(installed.body.events.length, 1);
  } finally {
    await t.close();
  }
});

test('an expired license refuses client work with LICENSE_EXPIRED; a renewal restores it', async () => {
  const clock = new FakeClock();
  const notAfter = new Date(clock.now() + 3_600_000).toISOString();
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }], clock, notAfter });
  try {
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, t.appToken)).status, 201);
    clock.advance(2 * 3_600_000);
    await t.running.node.reaper.reap();
    const r = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-2' }, t.appToken);
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'LICENSE_EXPIRED');
    assert.match(r.body.detail, /expired/);
    const status = await t.api('GET', '/v1/status', undefined, t.appToken);
    assert.equal(status.body.license.state, 'expired');
    // An expired license file cannot be installed either.
    const stale = await t.api('PUT', '/v1/license', { license: t.sign() });
    assert.equal(stale.body.code, 'LICENSE_EXPIRED', JSON.stringify(stale.body));

    const renewed = t.sign({ notAfter: new Date(clock.now() + 30 * 86_400_000).toISOString() });
    assert.equal((await t.api('PUT', '/v1/license', { license: renewed })).status, 200);
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-2' }, t.appToken)).status, 201);
  } finally {
    await t.close();
  }
});

test('license install refuses another node’s key (422), a tampered file (422) and garbage (400)', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }], license: false });
  const other = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }], license: false });
  try {
    const foreign = await t.api('PUT', '/v1/license', { license: t.sign({ hardwareKey: 'b'.repeat(64) }) });
    assert.equal(foreign.status, 422);
    assert.equal(foreign.body.code, 'HARDWARE_KEY_MISMATCH');

    const tampered = await t.api('PUT', '/v1/license', { license: tamper(t.sign()) });
    assert.equal(tampered.status, 422, JSON.stringify(tampered.body));
    assert.equal(tampered.body.code, 'SIGNATURE_INVALID');

    // Signed by another vendor key for this very hardware key.
    const wrongIssuer = await t.api('PUT', '/v1/license', { license: other.sign({ hardwareKey: t.hardwareKey }) });
    assert.equal(wrongIssuer.status, 422);
    assert.equal(wrongIssuer.body.code, 'SIGNATURE_INVALID');

    const garbage = await t.api('PUT', '/v1/license', { license: 'not a license at all' });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.code, 'MALFORMED');

    const missingField = await t.api('PUT', '/v1/license', {});
    assert.equal(missingField.status, 400);
    assert.equal(missingField.body.field, 'body.license');

    const forbidden = await t.api('PUT', '/v1/license', { license: t.sign() }, t.appToken);
    assert.equal(forbidden.status, 403);

    // Nothing was installed by any of these.
    assert.equal((await t.api('GET', '/v1/status', undefined, t.appToken)).body.license.state, 'missing');
  } finally {
    await t.close();
    await other.close();
  }
});

// Syrve: a developer license lets one test instance run every module of that developer, marked non-production.
test('a developer license runs every module of its developer unlimited and marks every answer non-production', async () => {
  const t = await startTestNode({ developer: 'acme-plugins' });
  try {
    const leases = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.api('POST', '/v1/modules/10003/leases', { holderId: `dev-device-${i}` }, t.appToken),
      ),
    );
    for (const r of leases) {
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.headers.get('licensor-non-production'), 'true');
      assert.equal(r.body.nonProduction, true);
    }
    const instances = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.api('POST', '/v1/modules/10001/leases', { holderId: `pos-${i}` }, t.appToken),
      ),
    );
    assert.ok(instances.every((r) => r.status === 201));
    const free = await t.api('GET', '/v1/modules/10002/enabled', undefined, t.appToken);
    assert.equal(free.body.enabled, true);

    const status = await t.api('GET', '/v1/status', undefined, t.appToken);
    assert.equal(status.body.nonProduction, true);
    assert.equal(status.headers.get('licensor-non-production'), 'true');
    assert.equal(status.body.license.developer.id, 'acme-plugins');
    const pools = await t.api('GET', '/v1/pools');
    assert.equal(pools.body.nonProduction, true);

    const foreign = await t.api('POST', '/v1/modules/4001/leases', { holderId: 'manager-pc' }, t.appToken);
    assert.equal(foreign.status, 409);
    assert.equal(foreign.body.code, 'MODULE_NOT_LICENSED');
    assert.equal(foreign.headers.get('licensor-non-production'), 'true', 'refusals are marked too');
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.headers.get('licensor-non-production'), 'true');
  } finally {
    await t.close();
  }
});
