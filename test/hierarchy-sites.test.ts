import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestNode, type TestNode } from './support/test-node.js';
import { until } from './support/until.js';

// A License Server hands shares of the Data Server application (1002) to its sites like any other module; a site
// without a share refuses client work, and the License Server's list of sites says, in words, that it runs unlicensed.
const issuerKeys = generateKeyPairSync('ed25519');
const ROOT = new URL('..', import.meta.url).pathname;

function cli(node: TestNode, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=licensor-source',
        'packages/server/src/cli/main.ts',
        ...args,
        '--url',
        node.url,
        '--token',
        node.adminToken,
      ],
      { cwd: ROOT },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sites under a License Server: the server application is a counted share', () => {
  let ls: TestNode;
  const sites: TestNode[] = [];
  type Item = { id: string; name: string; state: string; licenseState: string | null; licenseSummary: string | null };
  const items = async () => (await ls.api('GET', '/v1/nodes')).body.items as Item[];
  const byName = async (name: string) => (await items()).find((i) => i.name === name);

  before(async () => {
    ls = await startTestNode({
      issuerKeys,
      scope: 'centralized',
      entitlements: [
        { moduleId: 1001, quantity: null },
        { moduleId: 1002, quantity: 2 },
        { moduleId: 4001, quantity: 3 },
      ],
      // Short windows: a share taken back frees once the documents its site holds have ended (3 s here, 72 h by default).
      flags: { syncIntervalMs: '150', allocationWindowMs: '3000' },
    });
    for (const name of ['Site X', 'Site Y', 'Site Z']) {
      const token = (await ls.api('POST', '/v1/tokens', { role: 'node', name: `${name} sync` })).body.secret;
      sites.push(
        await startTestNode({
          issuerKeys,
          license: false,
          flags: { upstreamUrl: ls.url, upstreamToken: token, nodeName: name, syncIntervalMs: '150' },
        }),
      );
    }
    await until(items, (l) => l.length === 3 && l.every((i) => i.licenseState !== null), 'the three sites to report');
  });
  after(async () => {
    for (const s of sites) await s.close();
    await ls?.close();
  });

  it('lists a site running unlicensed in its own words: API and CLI', async () => {
    const x = await byName('Site X');
    assert.equal(x?.state, 'active', 'the License Server serves it: it just has nothing yet');
    assert.equal(x?.licenseState, 'missing');
    assert.match(x?.licenseSummary ?? '', /^running unlicensed: .*refuses client work/);
    const out = await cli(ls, 'nodes');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Site X\s+active\s+UNLICENSED \(missing\)/);
    assert.match(out.stdout, /^ {2}Site X: running unlicensed: /m);
  });

  it('allocates the Data Server application (1002) to sites as a counted share, never beyond what it holds', async () => {
    const [x, y, z] = await Promise.all(['Site X', 'Site Y', 'Site Z'].map(byName));
    const put = (id: string | undefined, modules: Record<string, number>) =>
      ls.api('PUT', `/v1/nodes/${id}/allocation`, { modules });
    const first = await put(x?.id, { 1002: 1, 4001: 1 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.allocation.modules, { 1002: 1, 4001: 1 });
    assert.equal((await put(y?.id, { 1002: 1 })).status, 200);
    const third = await put(z?.id, { 1002: 1 });
    assert.equal(third.status, 409);
    assert.equal(third.body.code, 'ALLOCATION_EXCEEDED');
    assert.equal(third.body.field, 'modules.1002');
    assert.match(third.body.detail, /OpenService.Data Server \(1002\): this node holds 2, other subdivisions have 2/);
    assert.equal((await ls.api('GET', '/v1/nodes')).body.allocated['1002'], 2);
    // The share reaches the site, signed; the site reports itself licensed, and Site Z still runs unlicensed.
    const up = await until(
      () => sites[0]?.api('GET', '/v1/upstream') ?? Promise.reject(),
      (r) => r.body.allocation !== null,
      'Site X to take its share',
    );
    assert.deepEqual(up.body.allocation.entitlements, [
      { moduleId: 1002, quantity: 1 },
      { moduleId: 4001, quantity: 1 },
    ]);
    const seen = await until(
      () => byName('Site X'),
      (i) => i?.licenseState === 'valid',
      'Site X to report itself licensed',
    );
    assert.match(seen?.licenseSummary ?? '', /^licensed/);
    assert.equal((await byName('Site Z'))?.licenseState, 'missing');
    const siteX = sites[0] as TestNode;
    const siteZ = sites[2] as TestNode;
    const acquire = (n: TestNode, holderId: string) =>
      n.api('POST', '/v1/modules/4001/leases', { holderId }, n.appToken);
    await until(
      () => acquire(siteX, 'mgr-x'),
      (r) => r.status === 201,
      'Site X to serve with its share',
    );
    // Managers without a share of the application: Site Z runs unlicensed, refuses client work, and is listed so.
    assert.equal((await put(z?.id, { 4001: 1 })).status, 200);
    await until(
      () => siteZ.api('GET', '/v1/upstream'),
      (r) => r.body.allocation !== null,
      'Site Z to take its managers',
    );
    const refused = await acquire(siteZ, 'mgr-z');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'LICENSE_MISSING');
    assert.match(refused.body.detail, /Data Server \(1002\)/);
    const listed = await until(
      () => byName('Site Z'),
      (i) => i?.licenseState === 'missing' && i.licenseSummary !== null,
      'Site Z to report',
    );
    assert.match(listed?.licenseSummary ?? '', /^running unlicensed/);
    // Taking the share back from Y frees it for Z once the documents Y holds have ended (a document cannot be called
    // back: Y could serve offline on it until then); Z then serves at its next sync without a restart.
    assert.equal((await put(y?.id, { 1002: 0 })).status, 200);
    const early = await put(z?.id, { 1002: 1, 4001: 1 });
    assert.equal(early.body.code, 'ALLOCATION_EXCEEDED', JSON.stringify(early.body));
    assert.match(early.body.detail, /signed documents they hold until those end/);
    await until(
      () => put(z?.id, { 1002: 1, 4001: 1 }),
      (r) => r.status === 200,
      "the share to free once Site Y's documents end",
      { ms: 10_000 },
    );
    await until(
      () => acquire(siteZ, 'mgr-z'),
      (r) => r.status === 201,
      'Site Z to serve with its share',
    );
    await until(
      () => byName('Site Z'),
      (i) => i?.licenseState === 'valid',
      'Site Z to report itself licensed',
    );
  });
});
