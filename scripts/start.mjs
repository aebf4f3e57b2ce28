#!/usr/bin/env node
// `npm start`: a working node on a fresh clone. Creates .licensor/demo with dev issuer keys, a demo license over the
// shipped catalogs bound to this machine's id, an admin token, then runs `licensor serve` in the foreground.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'packages/server/dist/cli/main.js');
const demo = join(root, '.licensor', 'demo');
const port = process.env.LICENSOR_PORT ?? '7070';

// Incremental: a no-op when dist is current, so a changed checkout never runs stale code. The dashboard
// (packages/web/dist) is rebuilt by the same command when it is missing or older than its sources.
console.log('building…');
execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
const licensor = (...args) =>
  execFileSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

mkdirSync(demo, { recursive: true });
const issuerDir = join(demo, 'issuer');
if (!existsSync(join(issuerDir, 'issuer.pub'))) {
  licensor('keys', 'init', '--dir', issuerDir);
  console.log(`created dev issuer keys in ${issuerDir}`);
}
let hwSource = ['--hardware-key-source', 'machine-id'];
// The demo license is bound to this machine's id; without one, to a key the demo keeps (issued --key-source any).
let keySource = 'machine-id';
let hardwareKey;
try {
  hardwareKey = licensor('hwkey', '--machine-id').split(/\s+/)[0];
} catch {
  // No /etc/machine-id (some containers): a random key kept in the demo dir stands in for the machine.
  const keyFile = join(demo, 'hardware.key');
  if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('hex'));
  hardwareKey = readFileSync(keyFile, 'utf8').trim();
  hwSource = ['--hardware-key', hardwareKey];
  keySource = 'any';
}
const licenseFile = join(demo, 'demo.lic');
const verifies = () => {
  try {
    licensor('license', 'verify', licenseFile, '--issuer-dir', issuerDir, '--hardware-key', hardwareKey);
    return JSON.parse(licensor('license', 'inspect', licenseFile, '--json')).license.keySource === keySource;
  } catch {
    return false;
  }
};
// The demo license is re-issued whenever it no longer verifies (other machine, new issuer keys, older format, another
// key source).
if (!existsSync(licenseFile) || !verifies()) {
  const modules = [
    '1001',
    '1002',
    '1003=2',
    '1004',
    '2001=3',
    '2101',
    '2102',
    '2103',
    '2104',
    '3001=100',
    '4001=5',
    '5001=10',
    '10001=2',
    '10002',
    '10003=10',
  ];
  licensor(
    'license',
    'issue',
    '--customer',
    'Demo Restaurant Chain',
    '--hardware-key',
    hardwareKey,
    '--scope',
    'centralized',
    '--permanent',
    '--key-source',
    keySource,
    ...modules.flatMap((m) => ['--module', m]),
    '--issuer-dir',
    issuerDir,
    '--out',
    licenseFile,
  );
  console.log(`issued demo license ${licenseFile}`);
}
const tokenFile = join(demo, 'admin.token');
if (!existsSync(tokenFile)) {
  writeFileSync(tokenFile, `lsr_${randomBytes(32).toString('base64url')}\n`);
  chmodSync(tokenFile, 0o600);
}
const adminToken = readFileSync(tokenFile, 'utf8').trim();

const child = spawn(
  process.execPath,
  [
    cli,
    'serve',
    '--data-dir',
    join(demo, 'node'),
    '--port',
    port,
    '--license',
    licenseFile,
    '--issuer-dir',
    issuerDir,
    ...hwSource,
    '--bootstrap-admin-token',
    adminToken,
    '--log-level',
    'warn',
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (String(chunk).includes('listening on')) {
    const url = `http://127.0.0.1:${port}`;
    console.log(
      `\nadmin token (kept in ${tokenFile}):\n  ${adminToken}\n\ndashboard: ${url}/ (sign in with the admin token)\n\ntry:\n  curl -s -H "Authorization: Bearer ${adminToken}" ${url}/v1/pools\n  curl -s -X POST -H "Authorization: Bearer ${adminToken}" -H 'content-type: application/json' -d '{"holderId":"pos-1"}' ${url}/v1/modules/4001/leases\n\nCtrl+C stops the node.`,
    );
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
