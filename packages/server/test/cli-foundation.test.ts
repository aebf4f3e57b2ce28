import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fakeSysfs } from './fake-sysfs.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'licensor-cli-'));
const issuerDir = join(tmp, 'issuer');
const SERIAL = '4C530001230925117433';
let sysfs = '';
let hwkey = '';
let publicKey = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI as a child process from the repository root. */
function licensor(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=licensor-source', 'packages/server/src/cli/main.ts', ...args],
      { cwd: repo, env: { ...process.env, LICENSOR_ISSUER_DIR: join(tmp, 'no-default-issuer') } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(() => {
  sysfs = fakeSysfs(
    [
      {
        busId: '1-1',
        idVendor: '0781',
        idProduct: '5567',
        serial: SERIAL,
        manufacturer: 'SanDisk',
        product: 'Cruzer Blade',
        block: 'sdb',
      },
      {
        busId: '1-2',
        idVendor: '090c',
        idProduct: '1000',
        manufacturer: 'Generic',
        product: 'Flash Disk',
        block: 'sdc',
      },
    ],
    mkdtempSync(join(tmp, 'sysfs-')),
  );
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('the vendor flow in four commands: keys init → hwkey → license issue → license verify', async () => {
  const init = await licensor('keys', 'init', '--dir', issuerDir);
  assert.equal(init.code, 0, init.stderr);
  publicKey = /public key: (ed25519:\S+)/.exec(init.stdout)?.[1] ?? '';
  assert.match(publicKey, /^ed25519:[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(join(issuerDir, 'issuer.key')).mode & 0o777, 0o600);
  assert.ok(!init.stdout.includes('PRIVATE KEY'), 'the private key is never printed');

  const hw = await licensor('hwkey', '--sysfs-root', sysfs, '--device', 'sdb');
  assert.equal(hw.code, 0, hw.stderr);
  assert.match(
    hw.stdout,
    new RegExp(`^[0-9a-f]{64}  0781:5567 SanDisk Cruzer Blade serial=${SERIAL} \\(/dev/sdb\\)\\n$`),
  );
  hwkey = hw.stdout.slice(0, 64);

  const out = join(tmp, 'cafe.lic');
  const issue = await licensor(
    'license',
    'issue',
    '--customer',
    'Cafe Central',
    '--hardware-key',
    hwkey,
    '--scope',
    'centralized',
    '--until',
    '2030-01-01',
    '--not-before',
    '2026-01-01',
    '--module',
    '1001',
    '--module',
    '2001=12',
    '--module',
    '2101',
    '--module',
    '5001=4',
    '--issuer-dir',
    issuerDir,
    '--out',
    out,
  );
  assert.equal(issue.code, 0, issue.stderr);
  assert.equal(issue.stdout, '');
  assert.match(
    issue.stderr,
    /^issued lic_\S+ centralized temporary until 2030-01-01T00:00:00.000Z customer="Cafe Central" .*modules: 1001=∞ 2001=12 2101=∞ 5001=4 → /,
  );
  assert.match(readFileSync(out, 'utf8'), /^-----BEGIN LICENSOR LICENSE-----\n/);

  const verify = await licensor(
    'license',
    'verify',
    out,
    '--public-key',
    publicKey,
    '--hardware-key',
    hwkey,
    '--at',
    '2027-06-01',
  );
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(
    verify.stdout,
    /^OK lic_\S+ centralized temporary until 2030-01-01T00:00:00.000Z customer="Cafe Central"/,
  );

  const byDir = await licensor('license', 'verify', out, '--issuer-dir', issuerDir, '--at', '2027-06-01T12:00:00Z');
  assert.equal(byDir.code, 0, byDir.stderr);
  const pub = await licensor('keys', 'public', '--dir', issuerDir);
  assert.equal(pub.stdout.trim(), publicKey);
});

test('license issue warns when the license grants no server application: a node serving it would refuse client work', async () => {
  const issue = await licensor(
    'license',
    'issue',
    '--customer',
    'Cafe',
    '--hardware-key',
    'ab'.repeat(32),
    '--scope',
    'static',
    '--permanent',
    '--module',
    '4001=5',
    '--issuer-dir',
    issuerDir,
    '--out',
    join(tmp, 'no-app.lic'),
  );
  assert.equal(issue.code, 0, issue.stderr);
  assert.match(
    issue.stderr,
    /^licensor: warning: the license grants no server application \(1001 OpenService\.License Server, 1002 OpenService\.Data Server\): a node serving it refuses client work; add --module 1001 or --module 1002$/m,
  );
  const withApp = await licensor(
    'license',
    'issue',
    '--customer',
    'Cafe',
    '--hardware-key',
    'ab'.repeat(32),
    '--scope',
    'static',
    '--permanent',
    '--module',
    '1002',
    '--module',
    '4001=5',
    '--issuer-dir',
    issuerDir,
    '--out',
    join(tmp, 'app.lic'),
  );
  assert.equal(withApp.code, 0, withApp.stderr);
  assert.doesNotMatch(withApp.stderr, /warning/);
});

test('license verify: rejections exit 3 with the reason code', async () => {
  const out = join(tmp, 'cafe.lic');
  const other = mkdtempSync(join(tmp, 'other-'));
  await licensor('keys', 'init', '--dir', other);
  const tampered = join(tmp, 'tampered.lic');
  const text = readFileSync(out, 'utf8').split('\n');
  text[3] = text[3]!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  writeFileSync(tampered, text.join('\n'));
  const [expired, early, mismatch, wrongKey, changed, tolerated] = await Promise.all([
    licensor('license', 'verify', out, '--public-key', publicKey, '--at', '2030-01-01'),
    licensor('license', 'verify', out, '--public-key', publicKey, '--at', '2025-12-31T23:59:59Z'),
    licensor(
      'license',
      'verify',
      out,
      '--public-key',
      publicKey,
      '--at',
      '2027-01-01',
      '--hardware-key',
      'f'.repeat(64),
    ),
    licensor('license', 'verify', out, '--issuer-dir', other, '--at', '2027-01-01'),
    licensor('license', 'verify', tampered, '--public-key', publicKey, '--at', '2027-01-01'),
    licensor(
      'license',
      'verify',
      out,
      '--public-key',
      publicKey,
      '--at',
      '2030-01-01T00:00:04Z',
      '--clock-tolerance',
      '5',
    ),
  ]);
  assert.deepEqual(
    [expired.code, expired.stderr],
    [3, 'licensor: LICENSE_EXPIRED: license expired at 2030-01-01T00:00:00.000Z\n'],
  );
  assert.deepEqual(
    [early.code, early.stderr],
    [3, 'licensor: LICENSE_NOT_YET_VALID: license is valid from 2026-01-01T00:00:00.000Z\n'],
  );
  assert.equal(mismatch.code, 3);
  assert.match(mismatch.stderr, /^licensor: HARDWARE_KEY_MISMATCH: /);
  assert.equal(wrongKey.code, 3);
  assert.match(wrongKey.stderr, /^licensor: SIGNATURE_INVALID: signed by key/);
  assert.equal(changed.code, 3);
  assert.match(changed.stderr, /^licensor: (SIGNATURE_INVALID|MALFORMED): /);
  assert.equal(tolerated.code, 0, tolerated.stderr);
});

test('bad input: bad hex, unknown module, missing file, bad dates, no drive', async () => {
  const common = ['--customer', 'X', '--scope', 'static', '--permanent', '--issuer-dir', issuerDir];
  const [badHex, shortHex, unknown, missing, missingInspect, badDate, noTerm, badQty, noDrive, noSerial, uncounted] =
    await Promise.all([
      licensor('license', 'issue', ...common, '--hardware-key', `${'a'.repeat(63)}z`, '--module', '4001=1'),
      licensor('license', 'verify', join(tmp, 'cafe.lic'), '--public-key', publicKey, '--hardware-key', 'abc'),
      licensor('license', 'issue', ...common, '--hardware-key', 'a'.repeat(64), '--module', '9999=1'),
      licensor('license', 'verify', join(tmp, 'nope.lic'), '--public-key', publicKey),
      licensor('license', 'inspect', join(tmp, 'nope.lic')),
      licensor(
        'license',
        'issue',
        '--customer',
        'X',
        '--scope',
        'static',
        '--until',
        '2027-02-30',
        '--hardware-key',
        'a'.repeat(64),
        '--module',
        '4001=1',
        '--issuer-dir',
        issuerDir,
      ),
      licensor(
        'license',
        'issue',
        '--customer',
        'X',
        '--scope',
        'static',
        '--hardware-key',
        'a'.repeat(64),
        '--module',
        '4001=1',
        '--issuer-dir',
        issuerDir,
      ),
      licensor('license', 'issue', ...common, '--hardware-key', 'a'.repeat(64), '--module', '4001=0'),
      licensor('hwkey', '--sysfs-root', mkdtempSync(join(tmp, 'empty-'))),
      licensor('hwkey', '--sysfs-root', sysfs, '--device', 'sdc'),
      licensor('license', 'issue', ...common, '--hardware-key', 'a'.repeat(64), '--module', '2101=3'),
    ]);
  assert.deepEqual(
    [badHex.code, badHex.stderr],
    [1, 'licensor: --hardware-key has a non-hex character "z" at position 64\n'],
  );
  assert.deepEqual(
    [shortHex.code, shortHex.stderr],
    [1, 'licensor: --hardware-key must be 64 hex characters, got 3\n'],
  );
  assert.deepEqual(
    [unknown.code, unknown.stderr],
    [1, 'licensor: unknown module 9999 (not in catalogs/openservice.json, catalogs/syrve-plugins.json)\n'],
  );
  assert.deepEqual(
    [missing.code, missing.stderr],
    [1, `licensor: license file ${join(tmp, 'nope.lic')} does not exist\n`],
  );
  assert.equal(missingInspect.code, 1);
  assert.deepEqual([badDate.code, badDate.stderr], [1, 'licensor: --until "2027-02-30" is not a real date\n']);
  assert.equal(noTerm.code, 1);
  assert.match(noTerm.stderr, /^licensor: choose a term: --permanent, --until DATE/);
  assert.deepEqual(
    [badQty.code, badQty.stderr],
    [1, 'licensor: --module "4001=0": quantity must be a positive integer, got "0"\n'],
  );
  assert.equal(noDrive.code, 2);
  assert.match(noDrive.stderr, /^licensor: no USB mass-storage drive found .*--machine-id/);
  assert.equal(noSerial.code, 2);
  assert.match(noSerial.stdout, /UNUSABLE: no serial number/);
  assert.equal(uncounted.code, 1);
  assert.match(uncounted.stderr, /module 2101 .* is not counted \(UNCOUNTED\): give it without a quantity/);
});

test('license inspect prints a person-readable view with module names and says it did not verify', async () => {
  const [human, json] = await Promise.all([
    licensor('license', 'inspect', join(tmp, 'cafe.lic')),
    licensor('license', 'inspect', join(tmp, 'cafe.lic'), '--json'),
  ]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /does not verify the signature/);
  assert.match(human.stdout, /customer: +Cafe Central \(cus_/);
  assert.match(human.stdout, /2001 +OpenService\.Cash Register +12/);
  assert.match(human.stdout, /2101 +Cash Register: client discounts +unlimited/);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.signatureChecked, false);
  assert.equal(parsed.license.hardwareKey, hwkey);
});

test('module list / show and keys init refusing to overwrite', async () => {
  const [list, json, show, unknown, again] = await Promise.all([
    licensor('module', 'list'),
    licensor('module', 'list', '--json'),
    licensor('module', 'show', '5001'),
    licensor('module', 'show', '9999'),
    licensor('keys', 'init', '--dir', issuerDir),
  ]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^ID +NAME +KIND +POLICY +TTL +EXTENDS\n/);
  assert.match(list.stdout, /\n2105 +Cash Register: video-surveillance events +feature +UNCOUNTED +60s +2001\n/);
  assert.equal(JSON.parse(json.stdout).length, 19);
  assert.match(show.stdout, /policy: +EVICT_INACTIVE idle=900s/);
  assert.deepEqual(
    [unknown.code, unknown.stderr],
    [1, 'licensor: unknown module 9999 (not in catalogs/openservice.json, catalogs/syrve-plugins.json)\n'],
  );
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exist .*--force/);
});

test('serve: a bad --events-retention-days exits 1 (bad input) with one line naming the option, before touching the data dir', async () => {
  const dataDir = join(tmp, 'retention-node');
  for (const bad of ['-1', 'abc', '36501']) {
    const r = await licensor('serve', '--events-retention-days', bad, '--data-dir', dataDir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `licensor: --events-retention-days must be an integer from 0 to 36500, got "${bad}"\n`);
  }
  assert.equal(existsSync(dataDir), false);
});

test('serve without a USB drive exits 2 with one line: plug the drive in, or the machine id for a license issued for it', async () => {
  const r = await licensor(
    'serve',
    '--sysfs-root',
    join(tmp, 'no-sysfs'),
    '--data-dir',
    join(tmp, 'no-drive-node'),
    '--port',
    '0',
    '--log-level',
    'silent',
  );
  assert.equal(r.code, 2, r.stderr);
  assert.equal(
    r.stderr,
    'licensor: no USB mass-storage drive with a serial number was found; plug in the licensed drive (`licensor hwkey` lists the drives it sees), or, for a license issued --key-source machine-id, start with --hardware-key-source machine-id\n',
  );
});
