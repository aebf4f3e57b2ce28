import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Entitlement, newId } from '@licensor/protocol';
import { createTestIssuer, freePort, type SpawnedNode, spawnNode, tempDir } from './support/spawn-node.js';
import { startTestNode, type TestNode } from './support/test-node.js';
import { until as pollUntil } from './support/until.js';

// The parent decides who is counted: a License Server holding subordinate servers (1003) counts every child that
// syncs with it, whatever the child's flags, name, data dir or token. Children are real `licensor serve` processes.
const issuer = createTestIssuer();
const issuerKeys = { privateKey: issuer.privateKey, publicKey: createPublicKey(issuer.privateKey) };
const hw = () =>
  newId('hw')
    .slice(3)
    .padEnd(64, '0')
    .replace(/[^0-9a-f]/g, 'c');
const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string) =>
  pollUntil(probe, ok, what, { ms: 15_000, pollMs: 50, retryErrors: true });

// The parent's license: the server applications, two subordinate servers, four managers.
const parentGrants = (subordinates: number): Entitlement[] => [
  { moduleId: 1001, quantity: null },
  { moduleId: 1002, quantity: 5 },
  { moduleId: 1003, quantity: subordinates },
  { moduleId: 4001, quantity: 4 },
];

interface Site {
  name: string;
  hardwareKey: string;
  proc: SpawnedNode;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  api(method: string, path: string, body?: unknown, app?: boolean): Promise<{ status: number; body: any }>;
}

async function call(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any };
}

describe(
  'the parent counts its children: subordinate servers under BLOCK_LATEST, whatever the child asks',
  { timeout: 240_000 },
  () => {
    let parent: TestNode;
    let nodeToken: string;
    const dirs: { remove(): void }[] = [];
    const procs: SpawnedNode[] = [];
    let a: Site;
    let b: Site;
    let c: Site;
    let bOldDocument: string;
    let bServedSeq: number;
    let bWithdrawnSeq: number;

    /** Starts a child process syncing with the parent; `license` gives it a static license of its own. */
    async function site(
      name: string,
      opts: { hardwareKey?: string; license?: Entitlement[]; args?: string[] } = {},
    ): Promise<Site> {
      const data = tempDir();
      const files = tempDir();
      dirs.push(data, files);
      const hardwareKey = opts.hardwareKey ?? hw();
      const admin = `adm_${newId('t')}`;
      const proc = await spawnNode({
        dataDir: data.dir,
        port: await freePort(),
        hardwareKey,
        issuerPublicKey: issuer.publicKey,
        adminToken: admin,
        ...(opts.license ? { licenseFile: issuer.writeLicense(files.dir, opts.license, { hardwareKey }) } : {}),
        args: [
          '--upstream',
          parent.url,
          '--upstream-token',
          nodeToken,
          '--node-name',
          name,
          '--sync-interval-ms',
          '200',
          ...(opts.args ?? []),
        ],
      });
      procs.push(proc);
      const appToken = (await call(proc.url, admin, 'POST', '/v1/tokens', { role: 'app', name: 'pos' })).body
        .secret as string;
      return {
        name,
        hardwareKey,
        proc,
        api: (method, path, body, app) => call(proc.url, app ? appToken : admin, method, path, body),
      };
    }

    const children = async () =>
      (await parent.api('GET', '/v1/nodes')).body.items as {
        id: string;
        name: string;
        hardwareKey: string;
        state: string;
        countedAs: number | null;
        message: string;
        licenseState: string | null;
        licenseSummary: string | null;
        allocation: { seq: number } | null;
      }[];
    const childOf = async (s: Site) => (await children()).find((i) => i.hardwareKey === s.hardwareKey);
    const acquire = (s: Site, holderId: string) => s.api('POST', '/v1/modules/4001/leases', { holderId }, true);
    const members = async () =>
      (
        (await parent.api('GET', '/v1/pools/1003')).body.members as {
          memberId: string;
          position: number;
          state: string;
        }[]
      ).map(({ memberId, position, state }) => ({ memberId, position, state }));

    before(async () => {
      parent = await startTestNode({
        issuerKeys,
        scope: 'centralized',
        entitlements: parentGrants(2),
        flags: { syncIntervalMs: '150' },
      });
      nodeToken = (await parent.api('POST', '/v1/tokens', { role: 'node', name: 'sites' })).body.secret;
    });
    after(async () => {
      for (const p of procs) await p.kill();
      await parent?.close();
      for (const d of dirs) d.remove();
    });

    it('counts a child started without --counted-as, and blocks the one beyond the limit', async () => {
      a = await site('site A');
      const seenA = await until(
        () => childOf(a),
        (v) => v?.state === 'active' && v.message !== 'not synced since this node started',
        'site A to register',
      );
      assert.equal(seenA?.countedAs, 1003, 'the parent counts it in its subordinate-server pool');
      assert.equal(
        (await parent.api('PUT', `/v1/nodes/${seenA?.id}/allocation`, { modules: { 1002: 1, 4001: 1 } })).status,
        200,
      );
      await until(
        () => acquire(a, 'mgr-a'),
        (r) => r.status === 201,
        'site A to serve under its allocation',
      );

      // Site B has a static license of its own for registers, and takes managers from the parent.
      b = await site('site B', {
        license: [
          { moduleId: 1002, quantity: null },
          { moduleId: 2001, quantity: 1 },
        ],
      });
      const seenB = await until(
        () => childOf(b),
        (v) => v?.state === 'active' && v.message !== 'not synced since this node started',
        'site B to register',
      );
      assert.equal(
        (await parent.api('PUT', `/v1/nodes/${seenB?.id}/allocation`, { modules: { 1002: 1, 4001: 1 } })).status,
        200,
      );
      await until(
        () => acquire(b, 'mgr-b'),
        (r) => r.status === 201,
        'site B to serve under its allocation',
      );
      bOldDocument = (await parent.api('GET', `/v1/nodes/${seenB?.id}/allocation-document`)).body.allocation;
      bServedSeq = (await b.api('GET', '/v1/upstream')).body.allocation.seq;

      // Site C asks to be counted elsewhere: the flag is accepted and has no effect. It is third of two: blocked.
      c = await site('site C', { args: ['--counted-as', '4001'] });
      const seenC = await until(
        () => childOf(c),
        (v) => v?.state === 'blocked',
        'site C to be blocked',
      );
      assert.equal(seenC?.countedAs, 1003);
      assert.match(seenC?.message ?? '', /allows 2 .*subordinate servers.*blocked/);
      const up = await until(
        () => c.api('GET', '/v1/upstream'),
        (r) => r.body.state === 'blocked',
        'site C to learn it is blocked',
      );
      assert.match(up.body.message, /allows 2/);
      const refused = await acquire(c, 'mgr-c');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'SYNC_BLOCKED');
      assert.match(refused.body.detail, /allows 2/);
      const summary = (await parent.api('GET', '/v1/pools/1003')).body.summary;
      assert.equal(summary.used, 2);
      assert.equal(summary.blocked, 1);
    });

    it("withdraws a newly blocked child's allocation at once, signed so it cannot come back; the child says why and serves under its own license", async () => {
      // The parent's license shrinks to one subordinate server: site B, connected after A, is blocked.
      assert.equal(
        (await parent.api('PUT', '/v1/license', { license: parent.sign({ entitlements: parentGrants(1) }) })).status,
        200,
      );
      const up = await until(
        () => b.api('GET', '/v1/upstream'),
        (r) => r.body.state === 'blocked' && r.body.allocation?.entitlements.length === 0,
        'site B to hold the withdrawal',
      );
      bWithdrawnSeq = up.body.allocation.seq;
      assert.ok(bWithdrawnSeq > bServedSeq, `the withdrawal's seq ${bWithdrawnSeq} is above the served ${bServedSeq}`);
      assert.match(up.body.message, /allows 1 .*blocked/);
      assert.match(up.body.message, /own license continues/);
      // Managers came from the parent: refused, naming the withdrawal. Registers come from its own license: served.
      const mgr = await acquire(b, 'mgr-b2');
      assert.equal(mgr.status, 409);
      assert.equal(mgr.body.code, 'MODULE_NOT_LICENSED');
      assert.match(mgr.body.detail, /withdrew/);
      const reg = await b.api('PUT', '/v1/modules/2001/members/register-1', {}, true);
      assert.equal(reg.status, 200, JSON.stringify(reg.body));
      assert.equal(reg.body.state, 'active');
      const status = (await b.api('GET', '/v1/status')).body;
      assert.equal(status.license.state, 'valid');
      assert.match(status.license.detail, /withdrew/);
      assert.match(status.blockedByParent, /allows 1/);
      // The old document cannot be installed again: the withdrawal's seq is higher.
      const replay = await b.api('PUT', '/v1/upstream/allocation', { allocation: bOldDocument });
      assert.equal(replay.status, 409);
      assert.equal(replay.body.code, 'ALLOCATION_STALE');
      assert.equal((await acquire(b, 'mgr-b2')).status, 409);
      const events = (await b.api('GET', '/v1/events?after=0&limit=1000')).body.events.map(
        (e: { type: string }) => e.type,
      );
      for (const t of ['allocation.withdrawn', 'upstream.blocked'])
        assert.ok(events.includes(t), `${t} in ${events.join(',')}`);
      // The parent shows B blocked, and B's own report: licensed, under its own license.
      const seen = await childOf(b);
      assert.equal(seen?.state, 'blocked');
      assert.equal(seen?.licenseState, 'valid');
      const parentEvents = (await parent.api('GET', '/v1/events?after=0&limit=1000')).body.events as {
        type: string;
        subject: string;
      }[];
      assert.ok(parentEvents.some((e) => e.type === 'allocation.withdrawn' && e.subject === seen?.id));
    });

    it('keeps a blocked child blocked in its place when it restarts with another name, other flags and a fresh data dir', async () => {
      const before = await members();
      const id = (await childOf(c))?.id;
      assert.equal(before.find((m) => m.memberId === id)?.state, 'blocked');
      await c.proc.stop();
      c = await site('site C, renamed', { hardwareKey: c.hardwareKey });
      const seen = await until(
        () => childOf(c),
        (v) => v?.name === 'site C, renamed',
        'site C to sync again',
      );
      assert.equal(seen?.id, id, 'the same child: known by its hardware key');
      assert.equal(seen?.state, 'blocked');
      assert.deepEqual(await members(), before, 'every child keeps its place in line');
      await until(
        () => c.api('GET', '/v1/upstream'),
        (r) => r.body.state === 'blocked',
        'the restarted site C to learn it is blocked',
      );
      assert.equal((await acquire(c, 'mgr-c')).body.code, 'SYNC_BLOCKED');
    });

    it('counts a child whatever token it syncs with: a fresh node token, a fresh admin token, the bootstrap admin token', async () => {
      const tokens = [
        (await parent.api('POST', '/v1/tokens', { role: 'node', name: 'another node token' })).body.secret as string,
        (await parent.api('POST', '/v1/tokens', { role: 'admin', name: 'an admin token' })).body.secret as string,
        parent.adminToken,
      ];
      for (const token of tokens) {
        const hardwareKey = hw();
        const body = {
          hardwareKey,
          name: `uncounted? ${hardwareKey.slice(0, 6)}`,
          countedAs: null,
          publicKey: 'ed25519:test',
          allocationSeq: null,
          licenseState: 'missing',
          usage: [],
          children: [],
        };
        const r = await call(parent.url, token, 'POST', '/v1/nodes/sync', body);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(
          r.body.state,
          'blocked',
          `synced with a ${token === parent.adminToken ? 'bootstrap admin' : 'fresh'} token`,
        );
        const again = await call(parent.url, token, 'POST', '/v1/nodes/sync', { ...body, countedAs: 4001 });
        assert.equal(again.body.state, 'blocked');
        assert.equal((await childOf({ hardwareKey } as Site))?.countedAs, 1003);
      }
      assert.equal((await parent.api('GET', '/v1/pools/1003')).body.summary.blocked, 5);
    });

    it('serves the next blocked child, in order, when an earlier one is forgotten, with a document newer than its withdrawal', async () => {
      const idA = (await childOf(a))?.id;
      // Stopped first, so it does not register again (as the latest in line) before it is gone.
      await a.proc.stop();
      assert.equal((await parent.api('DELETE', `/v1/nodes/${idA}`)).status, 200);
      const up = await until(
        () => b.api('GET', '/v1/upstream'),
        (r) => r.body.state === 'active' && r.body.allocation?.entitlements.length > 0,
        'site B to be served again',
      );
      assert.ok(up.body.allocation.seq > bWithdrawnSeq);
      // Its manager kept its slot while blocked; another one is refused for the quantity again, not for the block.
      await until(
        () => acquire(b, 'mgr-b'),
        (r) => r.status === 200 || r.status === 201,
        'site B to serve managers again',
      );
      assert.equal((await acquire(b, 'mgr-b2')).body.code, 'INSUFFICIENT_LICENSE');
      assert.equal((await childOf(b))?.state, 'active');
      // Site C, next in line after B, stays blocked: one subordinate server is licensed.
      assert.equal((await childOf(c))?.state, 'blocked');
      assert.equal((await c.api('GET', '/v1/upstream')).body.state, 'blocked');
      const parentEvents = (await parent.api('GET', '/v1/events?after=0&limit=1000')).body.events as {
        type: string;
        subject: string;
      }[];
      assert.ok(parentEvents.some((e) => e.type === 'allocation.restored' && e.subject === (up.body.nodeId as string)));
    });
  },
);
