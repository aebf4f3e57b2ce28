import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ID_MAX_LENGTH } from '@licensor/protocol';
import { startTestNode } from './support/test-node.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'licensor-strict-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real CLI from the sources; every run is bounded in time. */
function licensor(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=licensor-source', 'packages/server/src/cli/main.ts', ...args],
      { cwd: repo, timeout: 30_000, env: { ...process.env, LICENSOR_URL: '', LICENSOR_TOKEN: '', ...env } },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          ms: performance.now() - started,
        }),
    );
  });
}

/** The exit-code table of docs/cli.md: code → meaning. */
function documentedExitCodes(): Map<number, string> {
  const doc = readFileSync(join(repo, 'docs/cli.md'), 'utf8');
  const table = doc.slice(doc.indexOf('| code | meaning |'), doc.indexOf('\n\n', doc.indexOf('| code | meaning |')));
  return new Map([...table.matchAll(/^\| (\d) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2] as string]));
}

/** A failure: the documented exit code, and exactly one `licensor: …` line on stderr with no stack trace. */
function assertFailure(
  r: { code: number; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
  label: string,
): void {
  assert.equal(r.code, code, `${label}: exit ${r.code}, stderr ${r.stderr}`);
  assert.ok(documentedExitCodes().has(code), `${label}: exit ${code} is in the table of docs/cli.md`);
  assert.match(
    r.stderr,
    /^licensor: [^\n]+\n$/,
    `${label}: one readable line, got ${JSON.stringify(r.stderr.slice(0, 600))}`,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${label}: no stack trace`);
  assert.match(r.stderr, pattern, label);
}

test('docs/cli.md has one exit-code table: 0 success, 1 bad input, 2 environment, 3 refused', () => {
  const codes = documentedExitCodes();
  assert.deepEqual([...codes.keys()], [0, 1, 2, 3]);
  assert.match(codes.get(1) ?? '', /bad input/);
  assert.match(codes.get(2) ?? '', /environment/);
  assert.match(codes.get(3) ?? '', /refused/);
});

test('start-up failures: one readable line and the documented exit code, never a stack trace or a hang', async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const busyPort = (busy.address() as net.AddressInfo).port;
  const notADir = join(tmp, 'a-file');
  writeFileSync(notADir, 'x');
  const badPem = join(tmp, 'bad.pem');
  writeFileSync(badPem, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n');
  const base = ['serve', '--hardware-key', 'c'.repeat(64), '--host', '127.0.0.1', '--log-level', 'silent'];
  try {
    const cases: [string, string[], number, RegExp][] = [
      ['an unknown option', ['serve', '--bogus'], 1, /^licensor: unknown option '--bogus'/],
      ['an unknown command', ['bogus'], 1, /^licensor: unknown command 'bogus'/],
      ['a bad option value', [...base, '--port', 'x'], 1, /--port must be an integer from 0 to 65535, got "x"/],
      [
        'a weak bootstrap admin token',
        [...base, '--data-dir', join(tmp, 'weak'), '--bootstrap-admin-token', 'a'],
        1,
        /--bootstrap-admin-token must be at least 20 characters/,
      ],
      [
        'a port in use',
        [...base, '--data-dir', join(tmp, 'busy'), '--port', String(busyPort)],
        2,
        new RegExp(`port ${busyPort} on 127.0.0.1 is already in use.*--port or LICENSOR_PORT`),
      ],
      [
        'PostgreSQL unreachable',
        [...base, '--store', 'postgres://nobody@127.0.0.1:1/none'],
        2,
        /the store postgres:\/\/127\.0\.0\.1:1\/none cannot be used: the database server cannot be reached/,
      ],
      [
        'a data dir that is a file',
        [...base, '--data-dir', join(notADir, 'node')],
        2,
        /cannot open the store in .*a-file\/node: ENOTDIR/,
      ],
      [
        'a data dir that cannot be created',
        [...base, '--data-dir', '/proc/1/licensor-x'],
        2,
        /cannot open the store in \/proc\/1\/licensor-x/,
      ],
      [
        'a TLS file that does not exist',
        [
          ...base,
          '--data-dir',
          join(tmp, 'tls1'),
          '--tls-cert',
          join(tmp, 'nope.pem'),
          '--tls-key',
          join(tmp, 'nope.key'),
        ],
        2,
        /cannot read --tls-cert .*nope\.pem: ENOENT/,
      ],
      [
        'TLS files that are not PEM',
        [...base, '--data-dir', join(tmp, 'tls2'), '--tls-cert', badPem, '--tls-key', badPem],
        2,
        /^licensor: --tls-cert \/ --tls-key: /,
      ],
      [
        'keys init where no directory can be made',
        ['keys', 'init', '--dir', '/proc/1/x'],
        2,
        /cannot create \/proc\/1\/x: ENOENT/,
      ],
    ];
    for (const [label, args, code, pattern] of cases) {
      const r = await licensor(args);
      assertFailure(r, code, pattern, label);
      assert.ok(r.ms < 20_000, `${label}: took ${Math.round(r.ms)} ms`);
    }
    assert.equal(existsSync(join(tmp, 'weak')), false, 'a refused option touches no data dir');
  } finally {
    busy.close();
  }
});

test('CLI against a node: unknown filter values and ids are errors, exit codes follow the table, a mistyped --data-dir creates nothing', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 3 }] });
  const env = { LICENSOR_URL: t.url, LICENSOR_TOKEN: t.adminToken };
  try {
    assertFailure(
      await licensor(['events', '--type', 'nonsense'], env),
      1,
      /^licensor: VALIDATION_FAILED: querystring\.type must be comma-separated event types/,
      'events --type nonsense',
    );
    const good = await licensor(['events', '--type', 'license.installed'], env);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /license\.installed/);
    assertFailure(
      await licensor(['release', '4001', 'x'.repeat(ID_MAX_LENGTH + 1)], env),
      1,
      /holderId must be 1–200 printable ASCII/,
      'release with a too-long id',
    );
    assertFailure(
      await licensor(['release', '4001', 'pos-1'], { ...env, LICENSOR_TOKEN: t.appToken }),
      1,
      /^licensor: FORBIDDEN: /,
      'an app token on an admin command',
    );
    assertFailure(
      await licensor(['pools'], { ...env, LICENSOR_URL: 'http://127.0.0.1:1' }),
      2,
      /^licensor: cannot reach the node at http:\/\/127\.0\.0\.1:1/,
      'an unreachable node',
    );
    assertFailure(await licensor(['pools'], { LICENSOR_URL: t.url }), 1, /an admin token is needed/, 'no token');
    assertFailure(
      await licensor(['allocate', 'node_x', '2001=x'], env),
      1,
      /expected MODULE=QUANTITY/,
      'allocate with a bad quantity',
    );

    // Token commands write to the store directly: a data dir without a store is refused, and stays absent.
    const typo = join(tmp, 'typo-node');
    for (const args of [
      ['token', 'create', '--role', 'app', '--data-dir', typo],
      ['token', 'list', '--data-dir', typo],
      ['token', 'revoke', 'tok_x', '--data-dir', typo],
    ]) {
      assertFailure(await licensor(args), 1, /no node store in .*typo-node \(no licensor\.db there\)/, args.join(' '));
    }
    assert.equal(existsSync(typo), false, 'no store was created by a mistyped --data-dir');
    assertFailure(
      await licensor(['token', 'create', '--role', 'root', '--data-dir', t.dataDir]),
      1,
      /--role must be admin, app or node/,
      'a bad role',
    );
    // While the node runs it holds its data dir: token commands go through its API instead.
    assertFailure(
      await licensor(['token', 'list', '--data-dir', t.dataDir]),
      2,
      /is in use by another Licensor process .*add --url URL --token ADMIN_TOKEN/,
      'a data dir a node holds',
    );
    const listed = await licensor(['token', 'list'], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /test-app/);
  } finally {
    await t.close();
  }
});

test('the data directory is created 0700 and the store files 0600', async () => {
  const dataDir = join(tmp, 'fresh', 'node');
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 3 }], dataDir });
  try {
    await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-1' }, t.appToken);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(tmp, 'fresh')).mode & 0o777, 0o700);
    for (const f of ['licensor.db', 'licensor.db-wal', 'licensor.db-shm'])
      if (existsSync(join(dataDir, f))) assert.equal(statSync(join(dataDir, f)).mode & 0o777, 0o600, f);
  } finally {
    await t.close();
  }
});

test('npx licensor works right after npm ci: the bin npm links is a file of the repository, not of the build', () => {
  const pkg = JSON.parse(readFileSync(join(repo, 'packages/server/package.json'), 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };
  const bin = pkg.bin.licensor as string;
  assert.doesNotMatch(bin, /dist\//, 'the bin target exists before the build');
  const tracked = execFileSync('git', ['ls-files', '--', join('packages/server', bin)], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();
  assert.equal(tracked, join('packages/server', bin.replace(/^\.\//, '')), 'the bin target is committed');
  assert.ok(statSync(join(repo, 'packages/server', bin)).mode & 0o100, 'the bin target is executable');
  assert.ok(pkg.files.includes('bin'));
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { bin?: Record<string, string> }>;
  };
  assert.equal(
    lock.packages['packages/server']?.bin?.licensor,
    bin.replace(/^\.\//, ''),
    'package-lock.json links the same file',
  );
  // Run through the bin file itself (it loads the build when there is one, else says to build first).
  const version = execFileSync(process.execPath, [join(repo, 'packages/server', bin), '--version'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(version.trim(), '0.1.0');
});
