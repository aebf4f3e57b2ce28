// Scale-out on PostgreSQL: three `licensor serve` processes on one database schema. Admission stays atomic across
// them (600 concurrent acquires on a pool of 50 grant exactly 50), a killed process's holders stay counted until they
// release or expire, expiry happens once whoever reaps, events reach clients of any process, and a PostgreSQL restart
// during traffic answers 503 STORE_UNAVAILABLE meanwhile and loses nothing granted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { LicensingClient } from '@licensor/sdk';
import pg from 'pg';
import { lockPostgres, SKIP_POSTGRES, type TestSchema, testSchema } from './support/postgres.js';
import { termsOfCatalog } from './support/license-terms.js';
import { createTestIssuer, freePort, type SpawnedNode, spawnNode, tempDir } from './support/spawn-node.js';

const BIG = 90001; // quantity 50, TTL 60 s
const SHORT = 90002; // quantity 20, TTL 2 s
const PUSH = 90003; // quantity 10, TTL 60 s
const TRAFFIC = 90004; // quantity 8, TTL 60 s
const REGISTERS = 90005; // BLOCK_LATEST, quantity 5

const CATALOG = {
  catalog: 'scale-out-test',
  developer: 'test',
  modules: [
    {
      id: BIG,
      name: 'Gateway connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: SHORT,
      name: 'Short-lived connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 2,
    },
    {
      id: PUSH,
      name: 'Pushed connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: TRAFFIC,
      name: 'Traffic connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: REGISTERS,
      name: 'Cash registers',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null },
    },
  ],
};

const pgVersion = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql')[0] : undefined;
const canRestart = Boolean(pgVersion) && process.env.LICENSOR_TEST_POSTGRES_URL?.includes('127.0.0.1');

describe('scale-out: three processes on one PostgreSQL database', { skip: SKIP_POSTGRES, timeout: 240_000 }, () => {
  const issuer = createTestIssuer();
  const tmp = tempDir('licensor-scale-');
  const token = `lsr_scale_${Date.now()}`;
  let schema: TestSchema;
  let unlock: () => void = () => undefined;
  let db: pg.Pool;
  const nodes: SpawnedNode[] = [];
  let catalogPath = '';
  let licensePath = '';

  const start = async (i: number) =>
    spawnNode({
      dataDir: join(tmp.dir, `node-${i}`),
      port: await freePort(),
      hardwareKey: issuer.hardwareKey,
      issuerPublicKey: issuer.publicKey,
      adminToken: token,
      licenseFile: licensePath,
      args: [
        '--store',
        schema.url,
        '--catalog',
        catalogPath,
        '--reap-interval-ms',
        '200',
        '--session-grace-ms',
        '60000',
      ],
      startTimeoutMs: 90_000,
    });
  const api = async (node: SpawnedNode, method: string, path: string, body?: unknown) => {
    const res = await fetch(node.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
      body: (text ? JSON.parse(text) : null) as any,
      retryAfter: res.headers.get('retry-after'),
    };
  };
  const leaseCount = async (moduleId: number) =>
    Number((await db.query('SELECT COUNT(*) AS n FROM leases WHERE module_id = $1', [moduleId])).rows[0].n);
  const eventsOf = async (type: string, moduleId: number) =>
    (await db.query('SELECT subject FROM events WHERE type = $1 AND module_id = $2', [type, moduleId])).rows.map(
      (r) => r.subject as string,
    );

  before(async () => {
    unlock = await lockPostgres();
    schema = testSchema();
    db = new pg.Pool({
      connectionString: schema.url.replace(/[?&]schema=[^&]*/, ''),
      options: `-c search_path=${schema.name}`,
      max: 2,
    });
    db.on('error', () => undefined);
    catalogPath = join(tmp.dir, 'catalog.json');
    writeFileSync(catalogPath, JSON.stringify(CATALOG));
    licensePath = issuer.writeLicense(
      tmp.dir,
      [
        { moduleId: BIG, quantity: 50 },
        { moduleId: SHORT, quantity: 20 },
        { moduleId: PUSH, quantity: 10 },
        { moduleId: TRAFFIC, quantity: 8 },
        { moduleId: REGISTERS, quantity: 5 },
      ],
      { modules: termsOfCatalog(CATALOG) },
    );
    // Started together: the migrations, the license install and the bootstrap token race, and must each happen once.
    nodes.push(...(await Promise.all([0, 1, 2].map(start))));
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    await db?.end().catch(() => undefined);
    await schema?.drop().catch(() => undefined);
    tmp.remove();
    unlock();
  });

  test('processes starting together migrate once and share one license and one bootstrap token', async () => {
    const versions = (await db.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
      (r) => r.version,
    );
    assert.deepEqual(versions, [...new Set(versions)]);
    assert.equal(Number((await db.query('SELECT COUNT(*) AS n FROM tokens')).rows[0].n), 1);
    for (const n of nodes) assert.equal((await api(n, 'GET', '/readyz')).status, 200);
  });

  test('600 concurrent acquires spread over three processes grant exactly 50', async () => {
    const answers = await Promise.all(
      Array.from({ length: 600 }, (_, i) =>
        api(nodes[i % 3] as SpawnedNode, 'POST', `/v1/modules/${BIG}/leases`, { holderId: `dev-${i}` }),
      ),
    );
    const granted = answers.filter((a) => a.status === 201 || a.status === 200);
    const refused = answers.filter((a) => a.status === 409);
    assert.equal(
      granted.length,
      50,
      `statuses: ${JSON.stringify(answers.map((a) => a.status).filter((s) => s !== 409 && s !== 201))}`,
    );
    assert.equal(refused.length, 550);
    assert.ok(refused.every((a) => a.body.code === 'INSUFFICIENT_LICENSE'));
    assert.equal(await leaseCount(BIG), 50);
    assert.equal((await eventsOf('slot.acquired', BIG)).length, 50);
    // Every process's pool view catches up with what the others granted.
    for (const n of nodes) {
      let used = -1;
      for (let i = 0; i < 40 && used !== 50; i++) {
        used = (await api(n, 'GET', `/v1/pools/${BIG}`)).body.summary.used;
        if (used !== 50) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(used, 50);
    }
  });

  test('after SIGKILL of one process its holders are still counted until they release', async () => {
    const viaKilled = (
      await db.query('SELECT holder_id FROM leases WHERE module_id = $1 ORDER BY holder_id', [BIG])
    ).rows
      .map((r) => r.holder_id as string)
      .filter((h) => Number(h.slice(4)) % 3 === 0);
    assert.ok(viaKilled.length > 0);
    await (nodes[0] as SpawnedNode).kill();
    const [b, c] = [nodes[1] as SpawnedNode, nodes[2] as SpawnedNode];
    const late = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api(i % 2 ? b : c, 'POST', `/v1/modules/${BIG}/leases`, { holderId: `late-${i}` }),
      ),
    );
    assert.ok(
      late.every((a) => a.status === 409),
      'the dead process holders still occupy their slots',
    );
    assert.equal(await leaseCount(BIG), 50);
    // One of them releases through another process: exactly one slot comes free.
    assert.equal((await api(b, 'DELETE', `/v1/modules/${BIG}/leases/${viaKilled[0]}`)).status, 200);
    const next = await Promise.all([
      api(b, 'POST', `/v1/modules/${BIG}/leases`, { holderId: 'after-1' }),
      api(c, 'POST', `/v1/modules/${BIG}/leases`, { holderId: 'after-2' }),
    ]);
    assert.deepEqual(next.map((a) => a.status === 201).sort(), [false, true]);
    assert.equal(await leaseCount(BIG), 50);
    // The killed process comes back and serves from the shared state.
    nodes[0] = await start(0);
    assert.equal((await api(nodes[0], 'POST', `/v1/modules/${BIG}/leases`, { holderId: 'after-3' })).status, 409);
  });

  test('a license installed through one process is the one the next decision on another process uses', async () => {
    assert.equal(await leaseCount(BIG), 50);
    const bigger = issuer.sign(
      [
        { moduleId: BIG, quantity: 60 },
        { moduleId: SHORT, quantity: 20 },
        { moduleId: PUSH, quantity: 10 },
        { moduleId: TRAFFIC, quantity: 8 },
        { moduleId: REGISTERS, quantity: 5 },
      ],
      { modules: termsOfCatalog(CATALOG) },
    );
    assert.equal((await api(nodes[1] as SpawnedNode, 'PUT', '/v1/license', { license: bigger })).status, 200);
    // At once, through the other processes: no window in which they still decide with 50.
    const more = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api(nodes[i % 2 ? 0 : 2] as SpawnedNode, 'POST', `/v1/modules/${BIG}/leases`, { holderId: `bigger-${i}` }),
      ),
    );
    assert.equal(more.filter((a) => a.status === 201).length, 10, JSON.stringify(more.map((a) => a.status)));
    assert.equal(await leaseCount(BIG), 60);
  });

  test('BLOCK_LATEST across processes: registers syncing at once get one order, the first five active, one unblock per removal', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api(nodes[i % 3] as SpawnedNode, 'PUT', `/v1/modules/${REGISTERS}/members/reg-${i}`, {}),
      ),
    );
    assert.ok(
      answers.every((a) => a.status === 200),
      JSON.stringify(answers.find((a) => a.status !== 200)?.body),
    );
    const positions = answers.map((a) => a.body.position as number).sort((x, y) => x - y);
    assert.deepEqual(
      positions,
      Array.from({ length: 30 }, (_, i) => i + 1),
      'one order, no position given twice',
    );
    assert.equal(answers.filter((a) => a.body.state === 'active').length, 5);
    assert.ok(answers.every((a) => a.body.position <= 5 === (a.body.state === 'active')));
    const sixth = answers.find((a) => a.body.position === 6)?.body.memberId as string;
    const first = answers.find((a) => a.body.position === 1)?.body.memberId as string;
    // Removing an active register through one process unblocks the next in order, once, even with every process reaping.
    assert.equal(
      (await api(nodes[1] as SpawnedNode, 'DELETE', `/v1/modules/${REGISTERS}/members/${first}`)).status,
      200,
    );
    assert.equal(
      (await api(nodes[2] as SpawnedNode, 'PUT', `/v1/modules/${REGISTERS}/members/${sixth}`, {})).body.state,
      'active',
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await eventsOf('member.unblocked', REGISTERS), [sixth]);
    const active = Number(
      (await db.query("SELECT COUNT(*) AS n FROM members WHERE module_id = $1 AND state = 'active'", [REGISTERS]))
        .rows[0].n,
    );
    assert.equal(active, 5);
  });

  test('leases expire once whichever processes reap', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(nodes[i % 3] as SpawnedNode, 'POST', `/v1/modules/${SHORT}/leases`, { holderId: `short-${i}` }),
      ),
    );
    assert.ok(answers.every((a) => a.status === 201));
    const deadline = Date.now() + 15_000;
    while ((await leaseCount(SHORT)) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.equal(await leaseCount(SHORT), 0);
    await new Promise((r) => setTimeout(r, 600)); // reapers in three processes get more turns
    const expired = await eventsOf('slot.expired', SHORT);
    assert.equal(expired.length, 20, 'each lease expired exactly once');
    assert.equal(new Set(expired).size, 20);
  });

  test('the live event stream of one process carries what another process decided', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${(nodes[2] as SpawnedNode).url}/v1/events/stream?type=slot.acquired`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ctl.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const seen = (async () => {
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += Buffer.from(value).toString('utf8');
        if (text.includes('"subject":"streamed-device"')) return text;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      (await api(nodes[1] as SpawnedNode, 'POST', `/v1/modules/${PUSH}/leases`, { holderId: 'streamed-device' }))
        .status,
      201,
    );
    const text = await Promise.race([
      seen,
      new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 5000)),
    ]);
    ctl.abort();
    assert.ok(
      text.includes('"subject":"streamed-device"'),
      'the stream on process 3 carried the acquire made on process 2',
    );
    assert.equal(
      (await api(nodes[1] as SpawnedNode, 'DELETE', `/v1/modules/${PUSH}/leases/streamed-device`)).status,
      200,
    );
  });

  test("events reach SDK clients connected to another process (an admin's force release)", async () => {
    const client = new LicensingClient({ url: (nodes[2] as SpawnedNode).url, token });
    try {
      const lease = await client.acquireSlot(PUSH, 'pushed-device');
      const lost = new Promise<string>((resolve) => lease.onLost((err) => resolve(err.code)));
      assert.equal(
        (await api(nodes[1] as SpawnedNode, 'POST', `/v1/modules/${PUSH}/leases/pushed-device/revoke`)).status,
        200,
      );
      const code = await Promise.race([
        lost,
        new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 5000)),
      ]);
      assert.notEqual(code, 'timeout', 'the session on process 3 heard the release made on process 2');
    } finally {
      await client.close();
    }
  });

  test(
    'a PostgreSQL restart during traffic: 503 STORE_UNAVAILABLE meanwhile, recovery on its own, nothing granted lost',
    { skip: canRestart ? false : 'pg_ctlcluster is not available here' },
    async () => {
      const [b, c] = [nodes[1] as SpawnedNode, nodes[2] as SpawnedNode];
      const held = new Map<string, boolean | null>(); // true: acknowledged held, false: acknowledged free, null: unknown
      const statuses = new Map<number, number>();
      const unavailable: { code: string; retryAfter: string | null }[] = [];
      const unexpected: string[] = [];
      const failures: string[] = [];
      let readyzDown = false;
      let stop = false;
      const worker = async (w: number) => {
        const holder = `traffic-${w}`;
        const node = w % 2 ? b : c;
        for (let i = 0; !stop && i < 5000; i++) {
          const acquire = !held.get(holder);
          try {
            const r = acquire
              ? await api(node, 'POST', `/v1/modules/${TRAFFIC}/leases`, { holderId: holder })
              : await api(node, 'DELETE', `/v1/modules/${TRAFFIC}/leases/${holder}`);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 201 || r.status === 200) held.set(holder, acquire);
            else if (r.status === 503) {
              unavailable.push({ code: r.body?.code, retryAfter: r.retryAfter });
              held.set(holder, null);
              await new Promise((res) => setTimeout(res, 50));
            } else unexpected.push(`${r.status} ${JSON.stringify(r.body)}`);
          } catch (err) {
            failures.push(String((err as Error).cause ?? err));
            held.set(holder, null);
            await new Promise((res) => setTimeout(res, 50));
          }
        }
      };
      const watcher = async () => {
        while (!stop) {
          const r = await api(b, 'GET', '/readyz').catch(() => null);
          if (r?.status === 503 && r.body.ready === false) readyzDown = true;
          await new Promise((res) => setTimeout(res, 100));
        }
      };
      const workers = [...Array.from({ length: 6 }, (_, w) => worker(w)), watcher()];
      await new Promise((r) => setTimeout(r, 1000));
      // Asynchronously: the traffic and the readiness watcher keep running in this process while the server is down.
      await promisify(execFile)(
        'pg_ctlcluster',
        ['--skip-systemctl-redirect', pgVersion as string, 'main', 'restart'],
        { timeout: 60_000 },
      );
      // Traffic goes on until every process answers again.
      const deadline = Date.now() + 30_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        const probes = await Promise.all(
          [b, c].map((n) => api(n, 'POST', `/v1/modules/${TRAFFIC}/leases/probe-none/heartbeat`).catch(() => null)),
        );
        recovered = probes.every((p) => p !== null && p.status !== 503);
        if (!recovered) await new Promise((r) => setTimeout(r, 200));
      }
      await new Promise((r) => setTimeout(r, 1000));
      stop = true;
      await Promise.all(workers);
      assert.ok(recovered, 'both processes serve again after the restart');
      assert.deepEqual(unexpected, []);
      assert.ok(
        unavailable.length > 0,
        `some requests met the restart (statuses ${JSON.stringify([...statuses])}, failures ${failures.slice(0, 3)})`,
      );
      assert.ok(
        unavailable.every((u) => u.code === 'STORE_UNAVAILABLE' && u.retryAfter !== null),
        JSON.stringify(unavailable.slice(0, 3)),
      );
      assert.ok(readyzDown, '/readyz said not ready while PostgreSQL was down');
      for (const n of [b, c]) assert.equal((await api(n, 'GET', '/readyz')).status, 200);
      // Nothing granted is lost: every holder whose last answer said "held" holds its slot, and the pool never overflowed.
      const rows = new Set(
        (await db.query('SELECT holder_id FROM leases WHERE module_id = $1', [TRAFFIC])).rows.map(
          (r) => r.holder_id as string,
        ),
      );
      for (const [holder, state] of held) {
        if (state === true) assert.ok(rows.has(holder), `${holder} was granted and is still held`);
        if (state === false) assert.ok(!rows.has(holder), `${holder} was released`);
      }
      assert.ok(rows.size <= 8);
    },
  );

  // Last: the deployment's license is expired from here on.
  test('a license expiring is recorded once, though every process notices it', async () => {
    const id = `lic_short_${Date.now()}`;
    const short = issuer.sign([{ moduleId: BIG, quantity: 60 }], {
      id,
      modules: termsOfCatalog(CATALOG),
      term: { type: 'temporary' },
      notAfter: new Date(Date.now() + 2500).toISOString(),
    });
    assert.equal((await api(nodes[1] as SpawnedNode, 'PUT', '/v1/license', { license: short })).status, 200);
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      (await db.query("SELECT 1 FROM events WHERE type = 'license.expired' AND subject = $1", [id])).rowCount === 0
    )
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000)); // every reaper has had its turns
    assert.equal(
      (await db.query("SELECT 1 FROM events WHERE type = 'license.expired' AND subject = $1", [id])).rowCount,
      1,
    );
    for (const n of nodes)
      assert.equal(
        (await api(n, 'POST', `/v1/modules/${BIG}/leases`, { holderId: 'too-late' })).body.code,
        'LICENSE_EXPIRED',
      );
  });
});
