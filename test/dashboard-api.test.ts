import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildApp } from '../packages/server/src/http/app.js';
import { FakeClock, startTestNode } from './support/test-node.js';

/** Reads server-sent events from a fetch body until `count` have arrived or `ms` pass. */
async function readEvents(
  res: Response,
  count: number,
  ms = 5000,
): Promise<{ id: string; data: Record<string, unknown> }[]> {
  const out: { id: string; data: Record<string, unknown> }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + ms;
  while (out.length < count && Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => {
      timer = setTimeout(() => r(null), Math.max(1, deadline - Date.now()));
    });
    const chunk = await Promise.race([reader.read(), timeout]);
    clearTimeout(timer);
    if (!chunk || chunk.done) break;
    buf += decoder.decode(chunk.value, { stream: true });
    let cut = buf.indexOf('\n\n');
    while (cut >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id && data) out.push({ id, data: JSON.parse(data) });
      cut = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return out;
}

test('event stream: live events over SSE with the Authorization header; replay after a cursor; filters; refusals', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  try {
    const noToken = await fetch(`${t.url}/v1/events/stream`);
    assert.equal(noToken.status, 401);
    await noToken.arrayBuffer();
    const appToken = await fetch(`${t.url}/v1/events/stream`, { headers: { authorization: `Bearer ${t.appToken}` } });
    assert.equal(appToken.status, 403, 'admin only');
    assert.match(appToken.headers.get('content-type') ?? '', /problem\+json/);
    await appToken.arrayBuffer();

    const live = await fetch(`${t.url}/v1/events/stream?type=slot.acquired`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    assert.equal(live.status, 200);
    assert.match(live.headers.get('content-type') ?? '', /text\/event-stream/);
    const got = readEvents(live, 2);
    await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-1' }, t.appToken);
    await t.api('DELETE', '/v1/modules/4001/leases/pos-1', undefined, t.appToken);
    await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-2' }, t.appToken);
    const events = await got;
    assert.deepEqual(
      events.map((e) => [e.data.type, e.data.subject]),
      [
        ['slot.acquired', 'pos-1'],
        ['slot.acquired', 'pos-2'],
      ],
      'only the asked-for type',
    );
    assert.equal(events[0]!.id, String(events[0]!.data.seq), 'the SSE id is the feed cursor');

    // Reconnect with Last-Event-ID: the stored events after it come first, in order, then live ones.
    const first = Number(events[0]!.id);
    const replay = await fetch(`${t.url}/v1/events/stream`, {
      headers: { authorization: `Bearer ${t.adminToken}`, 'last-event-id': String(first) },
    });
    const replayed = readEvents(replay, 3);
    await new Promise((r) => setTimeout(r, 100));
    await t.api('POST', '/v1/modules/4001/leases/pos-2/revoke');
    const r = await replayed;
    assert.deepEqual(
      r.map((e) => e.data.type),
      ['slot.released', 'slot.acquired', 'slot.force_released'],
    );
    assert.ok(
      r.every((e, i) => i === 0 || Number(e.id) > Number(r[i - 1]!.id)),
      'strictly increasing, no duplicates',
    );

    const head = await fetch(`${t.url}/v1/events/stream`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${t.adminToken}` },
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(head.status, 405, 'no HEAD form of a stream (the path takes GET only)');
    assert.equal(head.headers.get('allow'), 'GET');

    const bad = await fetch(`${t.url}/v1/events/stream?after=-1`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    assert.equal(bad.status, 400);
    await bad.arrayBuffer();
  } finally {
    await t.close();
  }
});

test('event stream: a stopping node ends open streams instead of waiting for the dashboards to go', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  const streams = await Promise.all(
    [1, 2, 3].map(() => fetch(`${t.url}/v1/events/stream`, { headers: { authorization: `Bearer ${t.adminToken}` } })),
  );
  const ended = streams.map(async (s) => {
    const reader = s.body!.getReader();
    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
  });
  const started = Date.now();
  await t.close();
  assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  await Promise.all(ended);
});

test('event stream: a revoked token ends the stream at the next keep-alive', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 5 }] });
  // A second HTTP app on the same node with a short keep-alive, so the re-check comes quickly.
  const app = await buildApp(t.running.services, { eventStream: { keepAliveMs: 100 }, rateLimit: null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  try {
    const made = await t.api('POST', '/v1/tokens', { role: 'admin', name: 'laptop' });
    const res = await fetch(`${url}/v1/events/stream`, { headers: { authorization: `Bearer ${made.body.secret}` } });
    assert.equal(res.status, 200);
    assert.equal((await t.api('DELETE', `/v1/tokens/${made.body.id}`)).status, 200);
    const text = await Promise.race([
      res.text(),
      new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the stream did not end')), 5000).unref()),
    ]);
    assert.match(text, /event: error\ndata: \{"code":"UNAUTHENTICATED"/);
  } finally {
    await app.close();
    await t.close();
  }
});

test('usage samples: recorded per licensed module, downsampled keeping the peak, pruned past the retention', async () => {
  const clock = new FakeClock();
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 5 },
      { moduleId: 2001, quantity: 1 },
    ],
    clock,
    flags: { usageRetentionDays: '1' },
  });
  try {
    const start = clock.now();
    const sampler = t.running.usage;
    for (let minute = 0; minute < 120; minute++) {
      // Use climbs to 4 holders at minute 50, then falls back.
      const want = minute <= 50 ? Math.floor(minute / 12.5) : Math.max(0, 4 - Math.floor((minute - 50) / 10));
      const pool = await t.api('GET', '/v1/pools/4001');
      const held: string[] = pool.body.holders.map((h: { holderId: string }) => h.holderId);
      for (let i = held.length; i < want; i++)
        assert.ok((await t.api('POST', '/v1/modules/4001/leases', { holderId: `pc-${i}` }, t.appToken)).status < 300);
      for (let i = held.length - 1; i >= want; i--)
        await t.api('DELETE', `/v1/modules/4001/leases/pc-${i}`, undefined, t.appToken);
      await sampler.sample();
      // Heartbeats every 15 s keep the leases alive (Manager's TTL is the 30 s default).
      for (let q = 0; q < 4; q++) {
        clock.advance(15_000);
        for (let i = 0; i < want; i++)
          assert.equal((await t.api('POST', `/v1/modules/4001/leases/pc-${i}/heartbeat`, {}, t.appToken)).status, 200);
      }
    }
    await t.api('PUT', '/v1/modules/2001/members/reg-1', {}, t.appToken);
    await t.api('PUT', '/v1/modules/2001/members/reg-2', {}, t.appToken);
    await sampler.sample();

    const all = await t.api('GET', `/v1/usage?from=${start}&to=${clock.now()}`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.intervalMs, 60_000);
    assert.equal(all.body.retentionMs, 86_400_000);
    const manager = all.body.modules.find((m: { moduleId: number }) => m.moduleId === 4001);
    assert.equal(manager.samples.length, 121);
    assert.deepEqual(manager.peak, { at: start + 50 * 60_000, used: 4, quantity: 5 });
    const registers = all.body.modules.find((m: { moduleId: number }) => m.moduleId === 2001);
    assert.deepEqual(registers.samples.at(-1), { at: clock.now(), used: 1, quantity: 1, blocked: 1 });

    const few = await t.api('GET', `/v1/usage?moduleId=4001&from=${start}&to=${clock.now()}&points=10`);
    assert.equal(few.body.modules.length, 1);
    assert.ok(few.body.modules[0].samples.length <= 10);
    assert.equal(
      Math.max(...few.body.modules[0].samples.map((s: { used: number }) => s.used)),
      4,
      'downsampling keeps the peak',
    );

    assert.equal((await t.api('GET', `/v1/usage?from=${clock.now()}&to=${start}`)).status, 400);
    assert.equal((await t.api('GET', '/v1/usage?moduleId=999999')).body.code, 'MODULE_UNKNOWN');
    assert.equal((await t.api('GET', '/v1/usage', undefined, t.appToken)).status, 403);

    // A day later, only the last day's samples remain.
    clock.advance(86_400_000 - 30 * 60_000);
    await sampler.sample();
    const kept = await t.api('GET', `/v1/usage?moduleId=4001&from=0&to=${clock.now()}&points=5000`);
    const oldest = kept.body.modules[0].samples[0].at;
    assert.ok(oldest >= clock.now() - 86_400_000, 'samples older than the retention are pruned');
  } finally {
    await t.close();
  }
});

test('dashboard files: index.html at / and client routes, hashed assets cached, /v1 unknowns stay problem+json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'licensor-web-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Licensor</title><script type="module" src="/assets/app-1a2b.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log(1)');
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }], flags: { dashboardDir: dir } });
  try {
    for (const path of ['/', '/pools/4001', '/usage?module=4001']) {
      const res = await fetch(t.url + path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.match(await res.text(), /<title>Licensor<\/title>/);
    }
    const asset = await fetch(`${t.url}/assets/app-1a2b.js`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(await asset.text(), 'console.log(1)');
    for (const path of ['/assets/missing.js', '/v1/nothing-here', '/v1']) {
      const res = await fetch(t.url + path);
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/, path);
    }
    const traversal = await fetch(`${t.url}/assets/..%2f..%2fetc%2fpasswd`);
    assert.doesNotMatch(await traversal.text(), /root:/, 'only files that were built are served');
    assert.equal((await t.api('GET', '/v1/pools')).status, 200, 'the API is unaffected');
  } finally {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('billing accounts list: balances and rentals at a glance', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 1 }] });
  try {
    const a = await t.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Central', currency: 'EUR' });
    await t.api('POST', `/v1/billing/accounts/${a.body.id}/topups`, {
      amount: 5000,
      currency: 'EUR',
      reference: 'pay-1',
    });
    await t.api('POST', '/v1/billing/accounts', { customerName: 'Bistro Nord', currency: 'USD' });
    const list = await t.api('GET', '/v1/billing/accounts');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.accounts.map((x: { customer: { name: string }; balance: number; rentals: unknown[] }) => [
        x.customer.name,
        x.balance,
        x.rentals.length,
      ]),
      [
        ['Cafe Central', 5000, 0],
        ['Bistro Nord', 0, 0],
      ],
    );
    assert.equal((await t.api('GET', '/v1/billing/accounts', undefined, t.appToken)).status, 403);
  } finally {
    await t.close();
  }
});
