import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerServeCommand } from '../src/cli/commands/serve.js';
import { loadNodeConfig, type NodeConfig, optionEnv, optionFlag } from '../src/config/node-config.js';
import { advertisedUrl } from '../src/main/cluster-node.js';
import { serveOptionKeys } from '../src/config/node-options-doc.js';
import { NODE_OPTIONS } from '../src/config/node-options.js';

const HW = 'c'.repeat(64);

/** The message of a refused config, or a note that it was accepted. */
function refusal(flags: Parameters<typeof loadNodeConfig>[0], env: NodeJS.ProcessEnv = {}): string {
  const config = loadNodeConfig(flags, env);
  return config.ok ? 'accepted' : config.message;
}

/** The config built from these flags and environment, failing the test when it is refused. */
function accepted(flags: Parameters<typeof loadNodeConfig>[0], env: NodeJS.ProcessEnv = {}): NodeConfig {
  const config = loadNodeConfig(flags, env);
  if (!config.ok) assert.fail(config.message);
  return config.value;
}

test('defaults: nothing given builds the documented config', () => {
  const c = accepted({});
  assert.equal(c.dataDir, resolve('.licensor/node'));
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 7070);
  assert.equal(c.store, 'sqlite');
  assert.equal(c.sqliteSynchronous, 'normal');
  assert.equal(c.hardwareKeySource, 'usb');
  assert.equal(c.hardwareKey, null);
  assert.equal(c.application, null);
  assert.equal(c.countedAs, null);
  assert.equal(c.hardwareKeyCheckIntervalMs, 60_000);
  assert.equal(c.hardwareKeyGraceMs, 600_000);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.rateLimitPerSecond, 10_000);
  assert.equal(c.rateLimitBurst, 20_000);
  assert.equal(c.maxChildrenPerToken, 10);
  assert.equal(c.allocationWindowMs, 259_200_000);
  assert.equal(c.fault, null);
  assert.equal(c.catalogs.length, 2);
});

test('flags win over the environment, which wins over the defaults; an empty number counts as not given', () => {
  assert.equal(accepted({ port: '8080' }, { LICENSOR_PORT: '9090' }).port, 8080);
  assert.equal(accepted({}, { LICENSOR_PORT: '9090' }).port, 9090);
  assert.equal(accepted({}, { LICENSOR_PORT: '' }).port, 7070);
  assert.equal(
    accepted({}, { LICENSOR_UPSTREAM: 'http://parent:7070', LICENSOR_UPSTREAM_TOKEN: 't' }).upstreamUrl,
    'http://parent:7070',
  );
  assert.equal(accepted({ rateLimitPerSecond: '7' }).rateLimitBurst, 14, 'the burst defaults to twice the rate');
  assert.equal(accepted({ rateLimitPerSecond: '0' }).rateLimitBurst, 1);
  assert.deepEqual(accepted({ catalogs: ['a.json', 'b.json'] }).catalogs, [resolve('a.json'), resolve('b.json')]);
  assert.deepEqual(accepted({}, { LICENSOR_CATALOGS: 'a.json, b.json' }).catalogs, [
    resolve('a.json'),
    resolve('b.json'),
  ]);
  const keyed = accepted({ hardwareKey: ` ${'C'.repeat(64)} ` });
  assert.equal(keyed.hardwareKey, HW, 'a hardware key is trimmed and lower-cased');
  assert.equal(keyed.hardwareKeySource, 'explicit', 'a hardware key implies the explicit source');
  assert.equal(accepted({}, { LICENSOR_FAULT: 'crash-after-charge' }).fault, 'crash-after-charge');
});

test('bad values are refused with one message naming the option', () => {
  const cases: [Parameters<typeof loadNodeConfig>[0], NodeJS.ProcessEnv, string][] = [
    [{ port: 'x' }, {}, '--port must be an integer from 0 to 65535, got "x"'],
    [{ port: '1.5' }, {}, '--port must be an integer from 0 to 65535, got "1.5"'],
    [{}, { LICENSOR_PORT: '65536' }, '--port must be an integer from 0 to 65535, got "65536"'],
    [{ eventsRetentionDays: '-1' }, {}, '--events-retention-days must be an integer from 0 to 36500, got "-1"'],
    [{ logLevel: 'loud' }, {}, '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{}, { LICENSOR_SQLITE_SYNCHRONOUS: '' }, '--sqlite-synchronous must be one of normal, full, got ""'],
    [
      {},
      { LICENSOR_FAULT: 'explode' },
      '--fault must be one of crash-after-charge, crash-after-renewal-commit, got "explode"',
    ],
    [{ store: 'mysql://x' }, {}, '--store must be "sqlite" or a postgres:// URL, got "mysql://x"'],
    [{ upstreamUrl: 'ftp://x' }, {}, '--upstream must be an http(s):// URL of the parent node, got "ftp://x"'],
    [
      { upstreamUrl: 'http://parent' },
      {},
      '--upstream needs --upstream-token (a node token created on the parent: licensor token create --role node)',
    ],
    [{ hardwareKeySource: 'explicit' }, {}, '--hardware-key-source explicit needs --hardware-key'],
    [{ tlsCert: 'cert.pem' }, {}, '--tls-cert and --tls-key go together'],
    [{ application: '0' }, {}, '--application must be an integer from 1 to 2147483647, got "0"'],
    [{ advertiseUrl: 'ftp://x' }, {}, '--advertise-url must be an http:// or https:// base URL, got "ftp://x"'],
    [
      {},
      { LICENSOR_ADVERTISE_URL: 'http://node-2/v1' },
      '--advertise-url must be an http:// or https:// base URL, got "http://node-2/v1"',
    ],
  ];
  for (const [flags, env, message] of cases) assert.equal(refusal(flags, env), message, JSON.stringify({ flags, env }));
  assert.match(refusal({ bootstrapAdminToken: 'a' }), /^--bootstrap-admin-token must be at least 20 characters/);
  assert.match(refusal({ hardwareKey: 'abc' }), /^--hardware-key must be 64 hex characters/);
  const tls = loadNodeConfig({ tlsKey: 'key.pem' }, {});
  assert.equal(tls.ok ? '' : tls.field, 'tlsCert');
});

test('the hardware key ceilings hold: a licensee cannot look for the drive less often or serve longer without it', () => {
  assert.equal(
    refusal({ hardwareKeyCheckIntervalMs: '60001' }),
    '--hardware-key-check-interval-ms must be an integer from 100 to 60000, got "60001"',
  );
  assert.equal(
    refusal({}, { LICENSOR_HARDWARE_KEY_GRACE_MS: '600001' }),
    '--hardware-key-grace-ms must be an integer from 0 to 600000, got "600001"',
  );
  assert.equal(accepted({ hardwareKeyCheckIntervalMs: '100', hardwareKeyGraceMs: '0' }).hardwareKeyGraceMs, 0);
});

test('every option has its own flag and LICENSOR_ variable', () => {
  const keys = Object.keys(NODE_OPTIONS).filter((k): k is keyof NodeConfig => k in NODE_OPTIONS);
  const envs = keys.map(optionEnv);
  const flags = keys.map(optionFlag);
  assert.equal(new Set(envs).size, keys.length);
  assert.equal(new Set(flags).size, keys.length);
  for (const env of envs) assert.match(env, /^LICENSOR_[A-Z0-9_]+$/);
  assert.equal(optionFlag('upstreamUrl'), '--upstream');
  assert.equal(optionEnv('upstreamUrl'), 'LICENSOR_UPSTREAM');
});

test('serve --help comes from the option table: every flag with its variable, default and range', () => {
  const program = new Command('licensor');
  registerServeCommand(program, async () => {
    throw new Error('not started in this test');
  });
  const serve = program.commands.find((c) => c.name() === 'serve');
  assert.ok(serve);
  const help = serve.helpInformation({ error: false });
  for (const key of serveOptionKeys()) {
    assert.ok(help.includes(optionFlag(key)), `--help names ${optionFlag(key)}`);
    assert.ok(help.includes(`[env ${optionEnv(key)}`), `--help names ${optionEnv(key)}`);
  }
  assert.ok(!help.includes('LICENSOR_FAULT'), 'the test-only fault switch stays out of --help');
  const line = (flag: string) => help.split('\n').find((l) => l.trimStart().startsWith(`${flag} `)) ?? '';
  assert.match(line('--port'), /\(0 to 65535\) \[env LICENSOR_PORT\] \(default: 7070\)/);
  assert.match(
    line('--hardware-key-grace-ms'),
    /\(0 to 600000\) \[env LICENSOR_HARDWARE_KEY_GRACE_MS\] \(default: 600000\)/,
  );
  assert.match(line('--log-level'), /\(fatal, error, warn, info, debug, trace, silent\)/);
  assert.match(line('--catalog'), /\[env LICENSOR_CATALOGS, comma-separated\]/);
});

test('--advertise-url: where the other processes of a PostgreSQL deployment reach this one', () => {
  assert.equal(accepted({}).advertiseUrl, null);
  assert.equal(
    accepted({ advertiseUrl: 'https://node-2.internal:7070/' }).advertiseUrl,
    'https://node-2.internal:7070/',
  );
  // Given, it is used as written (without a trailing slash); not given, the listening address, a wildcard as loopback.
  assert.equal(advertisedUrl('https://node-2.internal:7070/', true, '0.0.0.0', 7070), 'https://node-2.internal:7070');
  assert.equal(advertisedUrl(null, false, '0.0.0.0', 7070), 'http://127.0.0.1:7070');
  assert.equal(advertisedUrl(null, true, '::', 7070), 'https://[::1]:7070');
  assert.equal(advertisedUrl(null, false, '10.0.0.5', 8080), 'http://10.0.0.5:8080');
});
