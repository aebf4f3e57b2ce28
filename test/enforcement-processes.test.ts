// The bypasses a licensee can try with documented flags, a text editor and a second process, each tried against real
// `licensor serve` processes, and the honest path beside each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Entitlement, KeySource } from '@licensor/protocol';
import { deriveHardwareKey, machineIdKey } from '../packages/server/src/hwkey/usb-drives.js';
import { lockHardwareKey } from '../packages/server/src/node/hardware-key-lock.js';
import { fakeSysfs } from '../packages/server/test/fake-sysfs.js';
import { fetchJson } from './support/http-client.js';
import { licenseTerms } from './support/license-terms.js';
import { createTestIssuer, freePort, spawnNode, tempDir, type TestIssuer } from './support/spawn-node.js';
import { lockMachineKeyTests } from './support/test-lock.js';

const ROOT = new URL('..', import.meta.url).pathname;
const ADMIN = 'enforcement-admin-token-0123456789';

/** Runs the real CLI; resolves with its exit code and output. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=licensor-source', 'packages/server/src/cli/main.ts', ...args],
      { cwd: ROOT },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A license as the vendor CLI writes it (terms copied from the shipped catalogs), bound to the issuer's test key. */
const licenseFile = (
  issuer: TestIssuer,
  dir: string,
  entitlements: Entitlement[],
  keySource: KeySource,
  extra: { serverApplication?: boolean } = {},
) => issuer.writeVendorLicense(dir, entitlements, keySource, extra);

const api = (url: string, method: string, path: string, body?: unknown) => fetchJson(url, ADMIN, method, path, body);

test('an edited catalog on the node neither loosens nor adds a limit: the Processing Center keeps refusing new data over quota', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    // The licensee empties the refused operations and turns the Manager into an uncounted module.
    const shipped = JSON.parse(readFileSync(join(ROOT, 'catalogs/openservice.json'), 'utf8'));
    for (const m of shipped.modules) {
      if (m.id === 3001)
        m.policy = {
          strategy: 'DEGRADE',
          allowedWhenOverQuota: ['debit-existing-account', 'accept-new-data', 'send-new-data'],
          refusedWhenOverQuota: [],
        };
      if (m.id === 4001) m.policy = { strategy: 'UNCOUNTED' };
      if (m.id === 5001) m.policy = { strategy: 'EVICT_INACTIVE', idleThresholdSeconds: 60 };
    }
    shipped.modules = shipped.modules.filter(
      (m: { id: number; extends?: number }) => m.id !== 2001 && m.extends !== 2001,
    );
    const edited = join(tmp.dir, 'openservice.json');
    writeFileSync(edited, JSON.stringify(shipped));
    const lic = licenseFile(
      issuer,
      tmp.dir,
      [
        { moduleId: 2001, quantity: 1 },
        { moduleId: 3001, quantity: 1 },
        { moduleId: 4001, quantity: 1 },
        { moduleId: 5001, quantity: 2 },
      ],
      'any',
    );
    const node = await spawnNode({
      dataDir: join(tmp.dir, 'node'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: lic,
      args: ['--catalog', edited],
    });
    try {
      assert.equal((await api(node.url, 'PUT', '/v1/modules/3001/quota', { count: 5 })).status, 200);
      const refused = await api(node.url, 'GET', '/v1/modules/3001/quota/operations/accept-new-data');
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'QUOTA_EXCEEDED');
      assert.equal(
        (await api(node.url, 'GET', '/v1/modules/3001/quota/operations/debit-existing-account')).status,
        200,
      );
      // The Manager is counted as signed: the second client is refused.
      assert.equal((await api(node.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
      const second = await api(node.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-2' });
      assert.equal(second.body.code, 'INSUFFICIENT_LICENSE', JSON.stringify(second.body));
      // A module the local catalog does not know (2001 was deleted from it) still works as the license grants it.
      assert.equal((await api(node.url, 'PUT', '/v1/modules/2001/members/register-1', { features: [] })).status, 200);
      const blocked = await api(node.url, 'PUT', '/v1/modules/2001/members/register-2', { features: [] });
      assert.equal(blocked.body.state, 'blocked', JSON.stringify(blocked.body));
      // Tightening is taken: the local 60 s idle threshold is shorter than the signed 900 s.
      const catalog = await api(node.url, 'GET', '/v1/catalog');
      const waiter = catalog.body.modules.find((m: { id: number }) => m.id === 5001);
      assert.equal(waiter.policy.idleThresholdSeconds, 60);
      assert.equal(catalog.body.modules.find((m: { id: number }) => m.id === 4001).policy.strategy, 'REJECT_NEW');
    } finally {
      await node.stop();
    }
  } finally {
    tmp.remove();
  }
});

test('a USB-bound license refuses a key given by hand or read under --sysfs-root; `any` and developer licenses take one', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const usb = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 5 }], 'usb');
    const base = {
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: usb,
    };
    await assert.rejects(
      spawnNode({ ...base, dataDir: join(tmp.dir, 'a'), port: await freePort() }),
      (err: Error) =>
        /exited \(\d+\)/.test(err.message) && /key source usb/.test(err.message) && /--hardware-key/.test(err.message),
    );
    // A fake sysfs tree holding a "drive" with the licensed key is no better than typing the key in.
    const drive = { busId: '1-2', idVendor: '0781', idProduct: '5581', serial: '4C530001230101114422', block: 'sdb' };
    const root = fakeSysfs([drive], join(tmp.dir, 'sysfs'));
    const bound = createTestIssuer();
    const key = deriveHardwareKey(drive.idVendor, drive.idProduct, drive.serial);
    const usbForDrive = join(tmp.dir, 'drive.lic');
    const terms = licenseTerms([{ moduleId: 4001, quantity: 5 }], { keySource: 'usb' });
    writeFileSync(usbForDrive, bound.sign(terms.entitlements, { ...terms, hardwareKey: key }));
    const viaSysfs = cli(
      'serve',
      '--data-dir',
      join(tmp.dir, 'b'),
      '--port',
      String(await freePort()),
      '--sysfs-root',
      root,
      '--issuer-public-key',
      bound.publicKey,
      '--license',
      usbForDrive,
    );
    const r = await viaSysfs;
    assert.equal(r.code, 3, 'licensing refused');
    assert.match(r.stderr, /key source usb/);
    assert.match(r.stderr, /--sysfs-root/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);

    // The honest paths: a license issued for `any`, and a developer license, run on a key given by hand.
    const any = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 5 }], 'any');
    const ok = await spawnNode({ ...base, licenseFile: any, dataDir: join(tmp.dir, 'c'), port: await freePort() });
    assert.equal((await api(ok.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
    await ok.stop();
    const devTerms = licenseTerms([], { keySource: 'usb', developer: 'acme-plugins' });
    const dev = join(tmp.dir, 'dev.lic');
    writeFileSync(dev, issuer.sign([], { ...devTerms, developer: { id: 'acme-plugins' } }));
    const devNode = await spawnNode({ ...base, licenseFile: dev, dataDir: join(tmp.dir, 'd'), port: await freePort() });
    assert.equal((await api(devNode.url, 'POST', '/v1/modules/10001/leases', { holderId: 'pos-1' })).status, 201);
    await devNode.stop();
  } finally {
    tmp.remove();
  }
});

test('one node per data dir: a second serve on the same dir exits at once naming the dir and the PID; token commands go through the API', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const lic = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 5 }], 'any');
    const dataDir = join(tmp.dir, 'node');
    const base = {
      dataDir,
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: lic,
    };
    const first = await spawnNode({ ...base, port: await freePort() });
    try {
      const started = Date.now();
      await assert.rejects(
        spawnNode({ ...base, port: await freePort() }),
        (err: Error) =>
          err.message.includes(`data dir ${dataDir} is in use`) && err.message.includes(`PID ${first.child.pid}`),
      );
      assert.ok(Date.now() - started < 20_000, 'refused at once, not after a timeout');
      // Five slots in all, not five per process.
      for (let i = 1; i <= 5; i++)
        assert.equal((await api(first.url, 'POST', '/v1/modules/4001/leases', { holderId: `pc-${i}` })).status, 201);
      assert.equal(
        (await api(first.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-6' })).body.code,
        'INSUFFICIENT_LICENSE',
      );

      const direct = await cli('token', 'create', '--role', 'app', '--data-dir', dataDir);
      assert.equal(direct.code, 2, 'the environment is not ready: a node holds the data dir');
      assert.match(direct.stderr, /is in use by another Licensor process \(PID \d+: licensor serve\)/);
      assert.match(direct.stderr, /--url URL --token ADMIN_TOKEN/);
      const viaApi = await cli(
        'token',
        'create',
        '--role',
        'app',
        '--name',
        'desk',
        '--url',
        first.url,
        '--token',
        ADMIN,
        '--json',
      );
      assert.equal(viaApi.code, 0, viaApi.stderr);
      assert.match(JSON.parse(viaApi.stdout).secret, /^lsr_/);
    } finally {
      await first.stop();
    }
    // Stopped, the data dir is free again: the token command works on it directly, and a node starts on it.
    const offline = await cli('token', 'list', '--data-dir', dataDir);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /desk/);
    const again = await spawnNode({ ...base, port: await freePort() });
    await again.stop();
  } finally {
    tmp.remove();
  }
});

test('one embedded node per license on a machine: a second data dir reading the same machine key is refused too', async (t) => {
  const turn = await lockMachineKeyTests();
  try {
    const machine = machineIdKey('/');
    if (!machine.ok) {
      t.skip(`no machine id here (${machine.message})`);
      return;
    }
    // A node already serving this machine's key (`npm start` runs on it) would make the first process fail too.
    const probe = await lockHardwareKey(machine.value.key, 'enforcement test probe');
    if (!probe.ok) {
      t.skip(`this machine's key is served by another process right now: ${probe.message}`);
      return;
    }
    await probe.value.release();
    const issuer = createTestIssuer();
    const tmp = tempDir();
    try {
      const terms = licenseTerms([{ moduleId: 4001, quantity: 5 }], { keySource: 'machine-id' });
      const lic = join(tmp.dir, 'machine.lic');
      writeFileSync(lic, issuer.sign(terms.entitlements, { ...terms, hardwareKey: machine.value.key }));
      const serve = async (dir: string) => {
        const port = await freePort();
        const child = spawnNode({
          dataDir: join(tmp.dir, dir),
          port,
          hardwareKey: machine.value.key,
          issuerPublicKey: issuer.publicKey,
          adminToken: ADMIN,
          licenseFile: lic,
          args: ['--hardware-key-source', 'machine-id'],
          dropHardwareKey: true,
        });
        return child;
      };
      const first = await serve('one');
      try {
        await assert.rejects(
          serve('two'),
          (err: Error) =>
            err.message.includes('is already served by another Licensor process on this machine') &&
            err.message.includes(`PID ${first.child.pid}`),
        );
      } finally {
        await first.stop();
      }
      // Stopped, the key is free: the other data dir may serve it now.
      const second = await serve('two');
      await second.stop();
    } finally {
      tmp.remove();
    }
  } finally {
    turn();
  }
});

test('a SIGKILLed node leaves no stale lock: the next process takes the data dir at once', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const lic = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 5 }], 'any');
    const base = {
      dataDir: join(tmp.dir, 'node'),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: lic,
    };
    const first = await spawnNode({ ...base, port: await freePort() });
    await first.kill();
    const second = await spawnNode({ ...base, port: await freePort() });
    assert.equal((await api(second.url, 'GET', '/v1/status')).status, 200);
    await second.stop();
  } finally {
    tmp.remove();
  }
});

test('the server application is licensed: without it client work is refused, admin work goes on, and a license with it resumes service', async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  try {
    const without = licenseFile(issuer, tmp.dir, [{ moduleId: 4001, quantity: 5 }], 'any', {
      serverApplication: false,
    });
    const node = await spawnNode({
      dataDir: join(tmp.dir, 'node'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: without,
    });
    try {
      const refused = await api(node.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'LICENSE_MISSING');
      assert.match(refused.body.detail, /OpenService\.License Server \(1001\) or OpenService\.Data Server \(1002\)/);
      const status = await api(node.url, 'GET', '/v1/status');
      assert.equal(status.status, 200);
      assert.equal(status.body.license.state, 'missing', JSON.stringify(status.body));
      const withApp = issuer.sign(
        ...signedWith([
          { moduleId: 1002, quantity: null },
          { moduleId: 4001, quantity: 5 },
        ]),
      );
      const installed = await api(node.url, 'PUT', '/v1/license', { license: withApp });
      assert.equal(installed.status, 200, JSON.stringify(installed.body));
      assert.equal((await api(node.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
    } finally {
      await node.stop();
    }
    // --application naming a client application does not stand in for the withheld server application.
    const client = await spawnNode({
      dataDir: join(tmp.dir, 'client'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: without,
      args: ['--application', '4001'],
    });
    try {
      const r = await api(client.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' });
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.equal(r.body.code, 'LICENSE_MISSING');
      assert.match(
        r.body.detail,
        /--application 4001 names OpenService\.Manager \(4001\), which is not a server application/,
      );
    } finally {
      await client.stop();
    }
    // --application names the one the node runs: a Data Server license does not run a License Server.
    const ds = licenseFile(
      issuer,
      tmp.dir,
      [
        { moduleId: 1002, quantity: null },
        { moduleId: 4001, quantity: 5 },
      ],
      'any',
    );
    const ls = await spawnNode({
      dataDir: join(tmp.dir, 'ls'),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: ADMIN,
      licenseFile: ds,
      args: ['--application', '1001'],
    });
    try {
      const r = await api(ls.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' });
      assert.equal(r.body.code, 'LICENSE_MISSING');
      assert.match(r.body.detail, /License Server \(1001\) \(--application 1001\)/);
    } finally {
      await ls.stop();
    }
  } finally {
    tmp.remove();
  }
});

/** Arguments for TestIssuer.sign: entitlements with the terms the vendor CLI would sign for them. */
function signedWith(entitlements: Entitlement[]): [Entitlement[], ReturnType<typeof licenseTerms>] {
  const terms = licenseTerms(entitlements, { keySource: 'any' });
  return [terms.entitlements, terms];
}
