import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { startTestNode } from './support/test-node.js';

/** Mounts a small tmpfs for the test, or says why it cannot (not root, no mount permission in this container). */
function mountTmpfs(dir: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe', timeout: 10_000 });
    return null;
  } catch (err) {
    return `mount -t tmpfs is not permitted here (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()})`;
  }
}

/** Writes a file until the file system is full; returns its path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 100_000; i++) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // Whatever is left below one chunk, too.
  const small = openSync(path, 'a');
  try {
    for (let i = 0; i < 100_000; i++) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
  return path;
}

const root = mkdtempSync(join(tmpdir(), 'licensor-disk-'));
const why = mountTmpfs(root, '24m');

test(
  'disk full: writes answer 503 STORE_UNAVAILABLE with Retry-After, /readyz is false, the node recovers on its own and loses nothing acknowledged',
  { skip: why ?? false },
  async () => {
    const dataDir = join(root, 'node');
    mkdirSync(dataDir);
    const issuerKeys = generateKeyPairSync('ed25519');
    const hardwareKey = 'd'.repeat(64);
    let t = await startTestNode({
      dataDir,
      issuerKeys,
      hardwareKey,
      entitlements: [{ moduleId: 4001, quantity: 100_000 }],
      flags: { rateLimitPerSecond: '0' },
    });
    const acknowledged: string[] = [];
    const refused: string[] = [];
    let filler = '';
    try {
      for (let i = 0; i < 20; i++) {
        const r = await t.api('POST', '/v1/modules/4001/leases', { holderId: `before-${i}` }, t.appToken);
        assert.equal(r.status, 201);
        acknowledged.push(`before-${i}`);
      }
      filler = fill(root);
      // Writes go on until the WAL needs a page the disk no longer has; from then on each one is refused.
      let sawFull = false;
      for (let i = 0; i < 5000 && !sawFull; i++) {
        const holderId = `during-${i}`;
        const r = await t.api('POST', '/v1/modules/4001/leases', { holderId }, t.appToken);
        if (r.status === 201) acknowledged.push(holderId);
        else {
          assert.deepEqual([r.status, r.body.code], [503, 'STORE_UNAVAILABLE'], JSON.stringify(r.body));
          assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
          refused.push(holderId);
          sawFull = true;
        }
      }
      assert.ok(sawFull, 'a write failed once the disk was full');
      const notReady = await fetch(`${t.url}/readyz`);
      assert.equal(notReady.status, 503);
      assert.equal(((await notReady.json()) as { ready: boolean }).ready, false);
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200, 'the process itself stays up');

      // Space comes back: the node serves again without a restart, and /readyz says so.
      rmSync(filler);
      let back = false;
      for (let i = 0; i < 100 && !back; i++) {
        const holderId = `after-${i}`;
        const r = await t.api('POST', '/v1/modules/4001/leases', { holderId }, t.appToken);
        if (r.status === 201) {
          acknowledged.push(holderId);
          back = true;
        } else await new Promise((res) => setTimeout(res, 100));
      }
      assert.ok(back, 'writes succeed again once space is free');
      assert.equal((await fetch(`${t.url}/readyz`)).status, 200);

      // Every acknowledged slot is held, none of the refused ones, across a restart too.
      const holders = async () =>
        new Set(
          ((await t.api('GET', '/v1/pools/4001?limit=1000')).body.holders as { holderId: string }[]).map(
            (h) => h.holderId,
          ),
        );
      const live = await holders();
      for (const h of acknowledged) assert.ok(live.has(h), `acknowledged ${h} is held`);
      for (const h of refused) assert.ok(!live.has(h), `refused ${h} is not held`);
      await t.close();
      t = await startTestNode({ dataDir, issuerKeys, hardwareKey, license: false, flags: { rateLimitPerSecond: '0' } });
      const afterRestart = await holders();
      for (const h of acknowledged) assert.ok(afterRestart.has(h), `acknowledged ${h} survives a restart`);
    } finally {
      await t.close();
      rmSync(join(root, 'filler'), { force: true });
    }
  },
);

test.after(() => {
  if (!why) {
    try {
      execFileSync('umount', [root], { stdio: 'pipe' });
    } catch {}
  }
  rmSync(root, { recursive: true, force: true });
});

if (why) console.log(`disk-full test skipped: ${why}`);
