import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The public types must compile for consumers of both module systems, against the built package (not the sources):
// build the ESM and CommonJS outputs, then type-check a throwaway project that imports and requires '@licensor/sdk'.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
let dir: string;

function run(args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

before(() => {
  // Two invocations, as `npm run build` does: tsc -b shares its module-resolution cache between the projects of one
  // run, so the CommonJS (Node10) builds would reuse the ESM resolutions of @licensor/protocol and fail when clean.
  const esm = run([tsc, '-b', 'packages/protocol', 'packages/sdk'], root);
  const build =
    esm.status === 0
      ? run([tsc, '-b', 'packages/protocol/tsconfig.cjs.json', 'packages/sdk/tsconfig.cjs.json'], root)
      : esm;
  assert.equal(build.status, 0, build.out);
  const mark = run(['scripts/write-cjs-package-json.mjs', 'packages/protocol/dist/cjs', 'packages/sdk/dist/cjs'], root);
  assert.equal(mark.status, 0, mark.out);

  dir = mkdtempSync(join(tmpdir(), 'licensor-sdk-consumer-'));
  const nm = join(dir, 'node_modules');
  mkdirSync(join(nm, '@licensor'), { recursive: true });
  symlinkSync(join(root, 'packages/sdk'), join(nm, '@licensor/sdk'), 'dir');
  symlinkSync(join(root, 'packages/protocol'), join(nm, '@licensor/protocol'), 'dir');
  symlinkSync(join(root, 'node_modules/ws'), join(nm, 'ws'), 'dir');
  symlinkSync(join(root, 'node_modules/@types'), join(nm, '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022', 'esnext.disposable'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        // Check the SDK's declaration files too: that is what this test is about.
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['esm.mts', 'cjs.cts', 'quickstart.mts', 'webhook-receiver.mts'],
    }),
  );
  writeFileSync(
    join(dir, 'esm.mts'),
    `import { WebSocket } from 'ws';
import {
  InsufficientLicenseError,
  type Lease,
  LicensingClient,
  type LicensingError,
  licensedModule,
  loadPlugin,
  type MemberState,
  verifyLicenseFile,
} from '@licensor/sdk';

@licensedModule(10001)
class CustomerDisplay {
  constructor(readonly screen: string) {}
}

export async function main(): Promise<void> {
  await using client = new LicensingClient({ url: 'http://127.0.0.1:7400', token: 't', WebSocket, ca: Buffer.from('') });
  try {
    await using lease: Lease = await client.acquireSlot(10003, 'terminal-1');
    lease.touch();
    const off: () => void = lease.onLost((err: LicensingError) => console.log(err.code, err.detail));
    off();
  } catch (err) {
    if (err instanceof InsufficientLicenseError) console.log(err.message, err.status, err.data);
  }
  const member: MemberState = await client.syncMember(2001, 'reg-1', [2101]);
  const state: 'active' | 'blocked' = member.state;
  client.on('leaseLost', (lease, error) => console.log(lease.holderId, error.code, state));
  client.on('quotaState', (q) => console.log(q.count, q.quantity));
  const loaded = await loadPlugin(client, CustomerDisplay, { instanceId: 'pos-1', args: ['main'] });
  const screen: string = loaded.plugin.screen;
  console.log(screen);
  await loaded.unload();
  const r = verifyLicenseFile('x', { publicKey: 'ed25519:x', clockToleranceMs: 60_000 });
  if (r.ok) console.log(r.value.entitlements);
  // @ts-expect-error module IDs are numbers
  await client.acquireSlot('10003', 'terminal-1');
  // @ts-expect-error unknown event names are rejected
  client.on('nope', () => {});
}
`,
  );
  writeFileSync(
    join(dir, 'cjs.cts'),
    `import sdk = require('@licensor/sdk');
import { LicensingClient, toLicensingError } from '@licensor/sdk';

export async function main(): Promise<void> {
  const client: sdk.LicensingClient = new LicensingClient({ url: 'http://127.0.0.1:7400', token: 't', transport: 'http' });
  const err: sdk.LicensingError = toLicensingError({ code: 'INSUFFICIENT_LICENSE', detail: 'connections exceeded: 5 of 5 in use' });
  if (err instanceof sdk.InsufficientLicenseError) console.log(err.code);
  const lease = await client.acquireSlot(4001, 'pc-1');
  await lease.release();
  await client.close({ release: true });
}
`,
  );
  // The README example, type-checked as a consumer would write it.
  writeFileSync(join(dir, 'quickstart.mts'), readFileSync(join(root, 'packages/sdk/examples/quickstart.ts'), 'utf8'));
  writeFileSync(
    join(dir, 'webhook-receiver.mts'),
    readFileSync(join(root, 'packages/sdk/examples/webhook-receiver.ts'), 'utf8'),
  );
  // Plain JavaScript consumers at run time: require() gets the CommonJS build, import the ESM one.
  writeFileSync(
    join(dir, 'run.cjs'),
    `const sdk = require('@licensor/sdk');
const e = sdk.toLicensingError({ code: 'INSUFFICIENT_LICENSE', detail: 'full' });
if (!(e instanceof sdk.InsufficientLicenseError)) throw new Error('require: wrong class');
if (!require.resolve('@licensor/sdk').includes('/dist/cjs/')) throw new Error('require resolved ' + require.resolve('@licensor/sdk'));
new sdk.LicensingClient({ url: 'http://127.0.0.1:1', token: 't' });
if (sdk.verifyWebhookSignature('t=1,v1=' + '0'.repeat(64), '{}', 'whsec_x') !== false) throw new Error('webhook verifier');
console.log('cjs ok');
`,
  );
  writeFileSync(
    join(dir, 'run.mjs'),
    `import { LicensingClient, getLicensedModuleId, licensedModule } from '@licensor/sdk';
class P {}
licensedModule(7)(P, { kind: 'class', name: 'P', addInitializer() {}, metadata: {} });
if (getLicensedModuleId(P) !== 7) throw new Error('decorator');
new LicensingClient({ url: 'http://127.0.0.1:1', token: 't' });
console.log('esm ok');
`,
  );
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('consumer types: ESM (.mts) and CommonJS (.cts) projects type-check against the built SDK', () => {
  const r = run([tsc, '-p', 'tsconfig.json'], dir);
  assert.equal(r.status, 0, r.out);
});

test('consumer runtime: require() loads the CommonJS build and import the ESM build', () => {
  const cjs = run(['run.cjs'], dir);
  assert.equal(cjs.status, 0, cjs.out);
  assert.match(cjs.out, /cjs ok/);
  const esm = run(['run.mjs'], dir);
  assert.equal(esm.status, 0, esm.out);
  assert.match(esm.out, /esm ok/);
});
