import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectionError, LicensingClient } from '@licensor/sdk';
import { startTestNode } from './support/test-node.js';

/** Writes a self-signed P-256 certificate for 127.0.0.1/localhost; null when openssl is not installed. */
function selfSigned(dir: string): { cert: string; key: string } | null {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

const tmp = mkdtempSync(join(tmpdir(), 'licensor-tls-'));
const files = selfSigned(tmp);
if (!files) rmSync(tmp, { recursive: true, force: true });

test(
  '--tls-cert/--tls-key: HTTPS and WSS; the SDK trusts a custom CA and refuses an untrusted certificate',
  { skip: files ? false : 'openssl is not installed: cannot create a test certificate' },
  async () => {
    if (!files) return;
    const n = await startTestNode({
      entitlements: [{ moduleId: 10003, quantity: 2 }],
      flags: { tlsCert: files.cert, tlsKey: files.key },
    });
    const ca = readFileSync(files.cert);
    try {
      assert.match(n.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const health = await n.api('GET', '/v1/license');
      assert.equal(health.status, 200, JSON.stringify(health.body));

      for (const transport of ['session', 'http'] as const) {
        const client = new LicensingClient({ url: n.url, token: n.appToken, transport, ca, requestTimeoutMs: 3000 });
        try {
          const lease = await client.acquireSlot(10003, `dev-${transport}`);
          assert.ok(lease.leaseId, transport);
          const pool = await n.api('GET', '/v1/pools/10003');
          assert.ok(
            pool.body.holders.some((h: { holderId: string }) => h.holderId === `dev-${transport}`),
            `${transport}: the lease is held on the node`,
          );
          await lease.release();
          const after = await n.api('GET', '/v1/pools/10003');
          assert.ok(
            !after.body.holders.some((h: { holderId: string }) => h.holderId === `dev-${transport}`),
            `${transport}: the lease is released`,
          );
        } finally {
          await client.close();
        }
      }

      for (const transport of ['session', 'http'] as const) {
        const client = new LicensingClient({
          url: n.url,
          token: n.appToken,
          transport,
          requestTimeoutMs: 3000,
          maxReconnectDelayMs: 50,
        });
        try {
          await assert.rejects(client.acquireSlot(10003, `untrusted-${transport}`), (err: unknown) => {
            assert.ok(err instanceof ConnectionError, `${transport}: ${String(err)}`);
            assert.equal(err.code, 'CONNECTION_FAILED', `${transport}: ${err.message}`);
            assert.match(err.message, /certificate/i, `${transport}: the failure names the untrusted certificate`);
            return true;
          });
        } finally {
          await client.close();
        }
      }
      const pool = await n.api('GET', '/v1/pools/10003');
      assert.equal(pool.body.holders.length, 0, 'no slot was granted without a trusted certificate');
    } finally {
      await n.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  },
);
