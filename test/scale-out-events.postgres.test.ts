// Scale-out on PostgreSQL, continued on a cluster of its own: expiry happens once whoever reaps, events reach clients
// of any process, a PostgreSQL restart during traffic answers 503 STORE_UNAVAILABLE meanwhile and loses nothing
// granted, and a license expiring is recorded once. Admission and BLOCK_LATEST are in scale-out.postgres.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { LicensingClient } from '@licensor/sdk';
import { termsOfCatalog } from './support/license-terms.js';
import { SKIP_POSTGRES } from './support/postgres.js';
import {
  BIG,
  CATALOG,
  canRestart,
  PUSH,
  pgVersion,
  SHORT,
  scaleOutCluster,
  TRAFFIC,
} from './support/scale-out-cluster.js';
import type { SpawnedNode } from './support/spawn-node.js';

describe('scale-out: events and outages across three processes', { skip: SKIP_POSTGRES, timeout: 240_000 }, () => {
  const cluster = scaleOutCluster();
  const { issuer, token, nodes, api, leaseCount, eventsOf } = cluster;

  before(cluster.setUp);
  after(cluster.tearDown);

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
        (await cluster.db.query('SELECT holder_id FROM leases WHERE module_id = $1', [TRAFFIC])).rows.map(
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
      (await cluster.db.query("SELECT 1 FROM events WHERE type = 'license.expired' AND subject = $1", [id]))
        .rowCount === 0
    )
      await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000)); // every reaper has had its turns
    assert.equal(
      (await cluster.db.query("SELECT 1 FROM events WHERE type = 'license.expired' AND subject = $1", [id])).rowCount,
      1,
    );
    for (const n of nodes)
      assert.equal(
        (await api(n, 'POST', `/v1/modules/${BIG}/leases`, { holderId: 'too-late' })).body.code,
        'LICENSE_EXPIRED',
      );
  });
});
