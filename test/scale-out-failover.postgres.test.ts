// Pool ownership across three `licensor serve` processes on one PostgreSQL schema: each pool is decided by the one
// process that owns it (`pool_owners`, held by a session advisory lock), the others forward to it. A pool each goes to
// the process first asked for it; a SIGKILLed owner's hot pool is served by a survivor within 5 s with no acknowledged
// lease or release lost and never more than the quantity held; a gracefully stopped owner hands its pools over at once.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type LoadResult,
  leaseRows,
  ledgerViolations,
  poolOwner,
  runFailoverLoad,
  watchLeaseCount,
} from './support/failover-load.js';
import { JsonClient } from './support/http-client.js';
import { SKIP_POSTGRES } from './support/postgres.js';
import { BIG, PUSH, SHORT, scaleOutCluster, TRAFFIC } from './support/scale-out-cluster.js';
import type { SpawnedNode } from './support/spawn-node.js';

const TAKEOVER_MS = 5_000;
const HANDOVER_MS = 2_000;
/** A pool_owners row for a failure message (JSON.stringify cannot write its bigint epoch). */
const show = (o: { url: string; epoch: bigint } | null) => (o ? `${o.url} at epoch ${o.epoch}` : 'no row');

describe('scale-out: pool ownership and failover', { skip: SKIP_POSTGRES, timeout: 300_000 }, () => {
  const cluster = scaleOutCluster();
  const { nodes, api } = cluster;
  const node = (i: number) => nodes[i] as SpawnedNode;

  before(cluster.setUp);
  after(cluster.tearDown);

  test('a pool each: two pools driven through two processes are owned by those processes', async () => {
    for (let i = 0; i < 3; i++) {
      const push = await api(node(1), 'POST', `/v1/modules/${PUSH}/leases`, { holderId: `push-${i}` });
      assert.equal(push.status, 201, JSON.stringify(push.body));
      const traffic = await api(node(2), 'POST', `/v1/modules/${TRAFFIC}/leases`, { holderId: `traffic-${i}` });
      assert.equal(traffic.status, 201, JSON.stringify(traffic.body));
    }
    assert.equal((await poolOwner(cluster.db, PUSH))?.url, node(1).url);
    const trafficOwner = await poolOwner(cluster.db, TRAFFIC);
    assert.equal(trafficOwner?.url, node(2).url);

    // Through a process that does not own TRAFFIC: forwarded to its owner, which still counts every slot (8 in all).
    const viaOther = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(node(0), 'POST', `/v1/modules/${TRAFFIC}/leases`, { holderId: `traffic-other-${i}` }),
      ),
    );
    const granted = viaOther.filter((a) => a.status === 201);
    assert.equal(granted.length, 5, JSON.stringify(viaOther.map((a) => a.status)));
    assert.ok(viaOther.every((a) => a.status === 201 || a.body.code === 'INSUFFICIENT_LICENSE'));
    const released = await api(node(0), 'DELETE', `/v1/modules/${TRAFFIC}/leases/traffic-0`);
    assert.deepEqual([released.status, released.body], [200, { released: true }]);

    const rows = await leaseRows(cluster.db, TRAFFIC);
    assert.equal(rows.size, 7);
    assert.ok(!rows.has('traffic-0'));
    for (const a of granted) assert.equal(rows.get(a.body.holderId), a.body.leaseId);
    // Forwarding does not move ownership.
    assert.deepEqual(await poolOwner(cluster.db, TRAFFIC), trafficOwner);
  });

  test('SIGKILL of the process owning a hot pool: another serves it within 5 s, no acknowledged lease or release is lost, never more than the quantity held', async (t) => {
    const urls = nodes.map((n) => n.url);
    const watch = watchLeaseCount(cluster.db, BIG);
    let killedAt = 0;
    const load = runFailoverLoad({
      urls,
      token: cluster.token,
      moduleId: BIG,
      workers: 64,
      durationMs: 8_000,
      killedAt: () => killedAt,
    });
    let owner: Awaited<ReturnType<typeof poolOwner>> = null;
    let victim = -1;
    let result: LoadResult;
    let seen: { max: number; samples: number };
    try {
      await sleep(1_500);
      owner = await poolOwner(cluster.db, BIG);
      victim = nodes.findIndex((n) => n.url === owner?.url);
      if (victim >= 0) {
        killedAt = Date.now();
        await node(victim).kill();
      }
    } finally {
      // Whatever happened above, the load and the poller end (both are bounded) before the test does.
      result = await load;
      seen = await watch.stop();
    }
    assert.ok(victim >= 0, `pool_owners names ${show(owner)}, none of ${urls.join(', ')}`);
    const killedUrl = node(victim).url;
    assert.deepEqual(result.wrong, []);

    // (a) Operations sent after the kill: the first acknowledgement within 5 s, and more keep coming.
    const afterKill = result.acks.filter((a) => a.sentAt >= killedAt);
    assert.ok(afterKill.length > 0, 'no operation on the pool acknowledged after the kill');
    assert.ok(afterKill.every((a) => a.url !== killedUrl));
    const firstAt = afterKill.reduce((m, a) => Math.min(m, a.at), Number.POSITIVE_INFINITY);
    const takeoverMs = firstAt - killedAt;
    const ends = result.holders.size - [...result.holders.values()].filter((h) => h.last !== 'acquire').length;
    const report =
      `takeover ${takeoverMs} ms after SIGKILL of ${killedUrl}; ${result.acks.length} acknowledged, ` +
      `${afterKill.length} sent after the kill, ${result.refusals} refused, ${result.unanswered} unanswered; ` +
      `most held: ${result.maxHeld} (client), ${seen.max} (database, ${seen.samples} samples); ${ends} end holding`;
    t.diagnostic(report);
    assert.ok(takeoverMs <= TAKEOVER_MS, report);
    assert.ok(afterKill.filter((a) => a.at > firstAt).length >= 20, report);

    // (b) Never more than the quantity held, as the database and as the clients saw it.
    assert.ok(seen.samples >= 50, report);
    assert.ok(seen.max <= 50, report);
    assert.ok(result.maxHeld <= 50, report);

    // (c) The rows are what the acknowledgements say, give or take an operation cut off by the kill.
    assert.deepEqual(ledgerViolations(result.holders, await leaseRows(cluster.db, BIG)), []);

    // (d) A survivor owns the pool now, under a later epoch.
    const heir = await poolOwner(cluster.db, BIG);
    assert.ok(heir && heir.url !== killedUrl && urls.includes(heir.url), show(heir));
    assert.ok(owner && heir.epoch > owner.epoch, `epoch ${owner?.epoch} then ${heir.epoch}`);

    nodes[victim] = await cluster.start(victim);
  });

  test('a stopped process (SIGTERM) hands its pools over', async (t) => {
    // PUSH has an owner: nodes[1] took it above, or takes it now if that process was the one killed and restarted.
    assert.equal((await api(node(1), 'POST', `/v1/modules/${PUSH}/leases`, { holderId: 'push-3' })).status, 201);
    const owner = await poolOwner(cluster.db, PUSH);
    const i = nodes.findIndex((n) => n.url === owner?.url);
    assert.ok(owner && i >= 0, show(owner));
    const heir = node((i + 1) % 3);
    const client = new JsonClient(heir.url, cluster.token, 1, 1_000);
    const stoppedAt = Date.now();
    let exitedAt = 0;
    const stopping = node(i)
      .stop()
      .then((code) => {
        exitedAt = Date.now();
        return code;
      });
    const path = `/v1/modules/${PUSH}/leases`;
    let answeredAt = 0;
    try {
      // Bounded: attempts every 50 ms for at most twice the allowed time; one holder, so a cut-off attempt costs no slot.
      while (!answeredAt && Date.now() - stoppedAt < 2 * HANDOVER_MS) {
        const r = await client.request('POST', path, { holderId: 'handover' }).catch(() => null);
        if (r && (r.status === 201 || r.status === 200)) answeredAt = Date.now();
        else await sleep(50);
      }
    } finally {
      client.close();
    }
    assert.equal(await stopping, 0);
    const report = `handover ${answeredAt ? answeredAt - stoppedAt : 'none'} ms after SIGTERM; exited after ${exitedAt - stoppedAt} ms`;
    t.diagnostic(report);
    assert.ok(answeredAt && answeredAt - stoppedAt <= HANDOVER_MS, report);

    // The heir reloaded the pool: push-0…3 and handover hold 5 of its 10 slots, so 5 more and no further.
    const more = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        api(heir, 'POST', `/v1/modules/${PUSH}/leases`, { holderId: `after-stop-${k}` }),
      ),
    );
    assert.equal(more.filter((a) => a.status === 201).length, 5, JSON.stringify(more.map((a) => a.status)));
    assert.equal((await leaseRows(cluster.db, PUSH)).size, 10);
    const now = await poolOwner(cluster.db, PUSH);
    assert.ok(now && now.url === heir.url && now.epoch > owner.epoch, `${show(owner)}, then ${show(now)}`);
  });

  test('the forwarding endpoint takes only operations signed with the deployment secret', async () => {
    const target = nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null) as SpawnedNode;
    const ops = JSON.stringify({ ops: [{ op: 'acquire', moduleId: BIG, holderId: 'forged', sessionId: null }] });
    const post = (headers: Record<string, string>) =>
      fetch(`${target.url}/internal/v1/pool-ops`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-licensor-cluster', ...headers },
        body: ops,
      });
    for (const headers of [{}, { 'licensor-cluster-signature': 'ab'.repeat(32) }] as Record<string, string>[]) {
      const r = await post(headers);
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { code: string }).code, 'UNAUTHENTICATED');
    }
    assert.equal((await leaseRows(cluster.db, BIG)).has('forged'), false);
    // Signed with the deployment's secret but a minute old (a captured request replayed): refused too.
    const secret = (await cluster.db.query("SELECT value FROM meta WHERE key = 'cluster.secret'")).rows[0].value;
    const sign = (time: number) => createHmac('sha256', secret).update(`${time}\n${ops}`).digest('hex');
    const old = Date.now() - 60_000;
    const replayed = await post({ 'licensor-cluster-signature': sign(old), 'licensor-cluster-time': String(old) });
    assert.equal(replayed.status, 401);
    assert.equal((await leaseRows(cluster.db, BIG)).has('forged'), false);
    // Signed now, it is a peer's request: answered, and the answer is signed over the request's signature.
    const now = Date.now();
    const fresh = await post({ 'licensor-cluster-signature': sign(now), 'licensor-cluster-time': String(now) });
    assert.equal(fresh.status, 200);
    const text = await fresh.text();
    const answerSig = createHmac('sha256', secret)
      .update(`${sign(now)}\n${text}`)
      .digest('hex');
    assert.equal(fresh.headers.get('licensor-cluster-signature'), answerSig);
    const answers = JSON.parse(text).answers as { outcome?: { ok: boolean } }[];
    assert.equal(answers.length, 1);
  });

  test('an owner that holds its pool but does not answer: forwarders answer 503 after about 6 s, and serve again once it answers', async (t) => {
    const live = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
    const probe = (via: SpawnedNode) =>
      fetch(`${via.url}/v1/modules/${TRAFFIC}/leases/nobody`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${cluster.token}` },
        signal: AbortSignal.timeout(20_000),
      });
    // Some live process owns the pool (a request through any of them makes sure of it).
    assert.equal((await probe(live()[0] as SpawnedNode)).status, 200);
    const ownerUrl = (await poolOwner(cluster.db, TRAFFIC))?.url;
    const owner = live().find((n) => n.url === ownerUrl) as SpawnedNode;
    const via = live().find((n) => n.url !== ownerUrl) as SpawnedNode;
    assert.ok(owner && via, 'an owner and another live process');
    // SIGSTOP: the process keeps its lock connection (PostgreSQL sees nothing wrong) but answers nobody.
    process.kill(owner.child.pid as number, 'SIGSTOP');
    let answered: Response;
    const started = Date.now();
    try {
      answered = await probe(via);
    } finally {
      process.kill(owner.child.pid as number, 'SIGCONT');
    }
    const waited = Date.now() - started;
    t.diagnostic(`503 after ${waited} ms while the owner was stopped`);
    assert.equal(answered.status, 503);
    assert.equal(((await answered.json()) as { code: string }).code, 'STORE_UNAVAILABLE');
    assert.ok(answered.headers.get('retry-after'), 'Retry-After on the 503');
    assert.ok(waited >= 5_000 && waited < 12_000, `waited ${waited} ms`);
    // Running again, the owner answers what is forwarded to it.
    const again = await probe(via);
    assert.equal(again.status, 200);
  });

  test('a pool whose owner died while nobody asks for it: a survivor takes it and its leases still expire, once', async (t) => {
    const live = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
    const x = live()[0] as SpawnedNode;
    for (let i = 0; i < 3; i++)
      assert.equal((await api(x, 'POST', `/v1/modules/${SHORT}/leases`, { holderId: `orphan-${i}` })).status, 201);
    const before = await poolOwner(cluster.db, SHORT);
    assert.equal(before?.url, x.url);
    await x.kill();
    const killedAt = Date.now();
    // No request for the pool from here on: only the survivors' reapers can end these leases (TTL 2 s).
    let left = 3;
    while (left > 0 && Date.now() - killedAt < 15_000) {
      await sleep(200);
      left = (await leaseRows(cluster.db, SHORT)).size;
    }
    t.diagnostic(`orphaned leases ended ${Date.now() - killedAt} ms after the owner was killed`);
    assert.equal(left, 0, 'the leases of the dead owner expired without any request');
    const after = await poolOwner(cluster.db, SHORT);
    assert.ok(
      after && after.url !== x.url && after.epoch > (before?.epoch ?? 0),
      `${show(before)}, then ${show(after)}`,
    );
    const expired = (
      await cluster.db.query("SELECT subject FROM events WHERE type = 'slot.expired' AND module_id = $1", [SHORT])
    ).rows.map((r) => r.subject as string);
    assert.deepEqual(expired.sort(), ['orphan-0', 'orphan-1', 'orphan-2'], 'each expired once');
  });
});
