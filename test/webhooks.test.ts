import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { verifyWebhookSignature } from '@licensor/sdk';
import Database from 'better-sqlite3';
import { freePort } from './support/spawn-node.js';
import { FakeClock, startTestNode, type TestNode } from './support/test-node.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

const SECOND = 1000;

async function account(t: TestNode): Promise<string> {
  const r = await t.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Hooks', currency: 'EUR' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

const topUp = (t: TestNode, acc: string, reference: string) =>
  t.api('POST', `/v1/billing/accounts/${acc}/topups`, { amount: 1000, currency: 'EUR', reference });

async function addWebhook(t: TestNode, body: Record<string, unknown>) {
  const r = await t.api('POST', '/v1/webhooks', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body as { id: string; secret: string; events: string[] };
}

const deliveries = async (t: TestNode, id: string) =>
  (await t.api('GET', `/v1/webhooks/${id}/deliveries`)).body.deliveries;

test('webhooks: refused URLs name the field, secrets are shown once, deliveries are signed and filtered by type', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  const receiver = await startWebhookReceiver();
  try {
    for (const url of [
      'ftp://127.0.0.1/hook',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'http://user:pw@127.0.0.1/hook',
      'http://127.0.0.1/hook#x',
      '/relative',
      42,
    ]) {
      const r = await t.api('POST', '/v1/webhooks', { url });
      assert.equal(r.status, 400, `${String(url)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'WEBHOOK_URL_INVALID');
      assert.equal(r.body.field, 'url');
    }
    assert.equal(
      (await t.api('POST', '/v1/webhooks', { url: receiver.url, events: ['License.Renewed'] })).body.field,
      'events.0',
    );
    assert.equal((await t.api('POST', '/v1/webhooks', { url: receiver.url, events: [] })).body.field, 'events');
    assert.equal((await t.api('POST', '/v1/webhooks', { url: receiver.url, secret: 'short' })).body.field, 'secret');
    assert.equal((await t.api('POST', '/v1/webhooks', { url: receiver.url }, t.appToken)).status, 403, 'admin only');

    const billing = await addWebhook(t, { url: receiver.url, events: ['billing.topped_up'] });
    assert.match(billing.secret, /^whsec_[A-Za-z0-9_-]{43}$/, 'a generated secret');
    const licenses = await addWebhook(t, {
      url: receiver.url,
      events: ['license.*'],
      secret: 'a-secret-the-receiver-chose',
      description: 'licenses',
    });
    assert.equal(licenses.secret, 'a-secret-the-receiver-chose');
    const defaults = await t.api('POST', '/v1/webhooks', { url: receiver.url });
    assert.deepEqual(defaults.body.events, [
      'license.expiring',
      'license.renewed',
      'license.lapsed',
      'billing.topped_up',
    ]);
    assert.equal((await t.api('DELETE', `/v1/webhooks/${defaults.body.id}`)).status, 200);
    assert.equal((await t.api('DELETE', `/v1/webhooks/${defaults.body.id}`)).status, 404);
    const listed = (await t.api('GET', '/v1/webhooks')).body.webhooks;
    assert.deepEqual(
      listed.map((w: { id: string }) => w.id),
      [billing.id, licenses.id],
    );
    assert.ok(
      listed.every((w: Record<string, unknown>) => !('secret' in w)),
      'the list never shows secrets',
    );

    const acc = await account(t);
    assert.equal((await topUp(t, acc, 'pay-1')).status, 201);
    await receiver.waitFor(1);
    const issued = await t.api('POST', '/v1/licenses', {
      customerName: 'Cafe',
      hardwareKey: 'c'.repeat(64),
      scope: 'static',
      entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 1 }],
      until: '2026-07-01',
      keySource: 'any',
    });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    await receiver.waitFor(2);
    await t.running.dispatcher.pump();
    assert.equal(receiver.received.length, 2, 'each webhook got only the types it selected');

    const [money, license] = receiver.received as [(typeof receiver.received)[0], (typeof receiver.received)[0]];
    const moneyBody = JSON.parse(money.body);
    assert.equal(moneyBody.type, 'billing.topped_up');
    assert.equal(moneyBody.webhookId, billing.id);
    assert.equal(moneyBody.data.amount, 1000);
    assert.equal(money.headers['licensor-event'], 'billing.topped_up');
    assert.equal(money.headers['licensor-event-id'], moneyBody.id);
    assert.equal(money.headers['content-type'], 'application/json');
    const signature = money.headers['licensor-signature'] as string;
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(
      verifyWebhookSignature(signature, money.body, billing.secret, { now: clock.now() }),
      true,
      'the signature verifies',
    );
    assert.equal(
      verifyWebhookSignature(signature, money.body.replace('1000', '9000'), billing.secret, { now: clock.now() }),
      false,
      'a changed body does not',
    );
    assert.equal(
      verifyWebhookSignature(signature, money.body, licenses.secret, { now: clock.now() }),
      false,
      'another secret does not',
    );
    assert.equal(
      verifyWebhookSignature(signature, money.body, billing.secret, { now: clock.now() + 10 * 60 * SECOND }),
      false,
      'a replay 10 minutes later does not',
    );
    const licenseBody = JSON.parse(license.body);
    assert.equal(licenseBody.type, 'license.issued');
    assert.equal(licenseBody.subject, issued.body.payload.id);
    assert.equal(
      verifyWebhookSignature(
        license.headers['licensor-signature'] as string,
        license.body,
        'a-secret-the-receiver-chose',
        { now: clock.now() },
      ),
      true,
    );

    const log = await deliveries(t, billing.id);
    assert.equal(log.length, 1);
    assert.equal(log[0].status, 'delivered');
    assert.equal(log[0].log[0].statusCode, 200);
    const audit = (await t.api('GET', '/v1/audit?limit=1000')).body.entries.map((e: { action: string }) => e.action);
    assert.deepEqual(
      audit.filter((a: string) => a.startsWith('webhook.')),
      ['webhook.created', 'webhook.created', 'webhook.created', 'webhook.deleted'],
    );
  } finally {
    await receiver.close();
    await t.close();
  }
});

test('webhooks: a receiver answering 500 is retried with backoff on the injected clock until it answers 200', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ clock, reapIntervalMs: 60_000 });
  const receiver = await startWebhookReceiver((n) => (n < 2 ? 500 : 200));
  try {
    const hook = await addWebhook(t, { url: receiver.url });
    const acc = await account(t);
    const t0 = clock.now();
    await topUp(t, acc, 'pay-1');
    await receiver.waitFor(1);
    let [d] = await deliveries(t, hook.id);
    assert.equal(d.status, 'pending');
    assert.equal(d.attempts, 1);
    assert.equal(d.lastStatusCode, 500);
    assert.equal(d.lastError, 'HTTP 500');
    assert.ok(
      d.nextRetryAt >= t0 + 15 * SECOND && d.nextRetryAt <= t0 + 30 * SECOND,
      `first retry within 15–30 s, got ${d.nextRetryAt - t0} ms`,
    );

    await t.running.dispatcher.pump();
    assert.equal(receiver.received.length, 1, 'not retried before it is due');
    clock.advance(30 * SECOND);
    await t.running.dispatcher.pump();
    assert.equal(receiver.received.length, 2);
    [d] = await deliveries(t, hook.id);
    assert.ok(
      d.nextRetryAt - clock.now() >= 30 * SECOND && d.nextRetryAt - clock.now() <= 60 * SECOND,
      'the wait doubles',
    );
    clock.advance(60 * SECOND);
    await t.running.dispatcher.pump();
    assert.equal(receiver.received.length, 3);
    [d] = await deliveries(t, hook.id);
    assert.equal(d.status, 'delivered');
    assert.equal(d.nextRetryAt, null);
    assert.deepEqual(
      d.log.map((a: { attempt: number; statusCode: number; nextRetryAt: number | null }) => [
        a.attempt,
        a.statusCode,
        a.nextRetryAt === null,
      ]),
      [
        [1, 500, false],
        [2, 500, false],
        [3, 200, true],
      ],
    );
    const bodies = new Set(receiver.received.map((r) => r.body));
    assert.equal(bodies.size, 1, 'every attempt sends the same body');
    assert.deepEqual(
      receiver.received.map((r) => r.headers['licensor-delivery-attempt']),
      ['1', '2', '3'],
    );
  } finally {
    await receiver.close();
    await t.close();
  }
});

test('webhooks: delivery gives up after the configured number of attempts', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({
    clock,
    reapIntervalMs: 60_000,
    flags: { webhookMaxAttempts: '3', webhookRetryBaseMs: '1000' },
  });
  const receiver = await startWebhookReceiver(() => 503);
  try {
    const hook = await addWebhook(t, { url: receiver.url, events: ['billing.*'] });
    await topUp(t, await account(t), 'pay-1');
    await receiver.waitFor(1);
    for (const wait of [1000, 2000]) {
      clock.advance(wait);
      await t.running.dispatcher.pump();
    }
    assert.equal(receiver.received.length, 3);
    clock.advance(3_600_000);
    await t.running.dispatcher.pump();
    assert.equal(receiver.received.length, 3, 'no attempt after the last');
    const [d] = await deliveries(t, hook.id);
    assert.equal(d.status, 'failed');
    assert.equal(d.attempts, 3);
    assert.equal(d.nextRetryAt, null);
    assert.equal(d.log.at(-1).nextRetryAt, null);
    assert.deepEqual((await t.api('GET', `/v1/webhooks/${hook.id}`)).body.deliveries, {
      pending: 0,
      delivered: 0,
      failed: 1,
    });
    assert.equal((await t.api('GET', `/v1/webhooks/${hook.id}/deliveries?status=failed`)).body.deliveries.length, 1);
    assert.equal((await t.api('GET', '/v1/webhooks/whk_nobody/deliveries')).status, 404);
  } finally {
    await receiver.close();
    await t.close();
  }
});

test('webhooks: the outbox and the dispatch cursor survive a restart; an event committed while no dispatcher ran is delivered', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'licensor-webhooks-'));
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const port = await freePort();
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | null = null;
  try {
    const first = await startTestNode({ clock, dataDir, reapIntervalMs: 60_000 });
    const hook = await addWebhook(first, {
      url: `http://127.0.0.1:${port}/hooks/licensor`,
      events: ['billing.topped_up'],
    });
    await topUp(first, await account(first), 'pay-1');
    // Nothing listens on the port yet: the first attempt fails and is scheduled again.
    const end = Date.now() + 5_000;
    while ((await deliveries(first, hook.id))[0]?.attempts !== 1 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    const [d] = await deliveries(first, hook.id);
    assert.equal(d.status, 'pending');
    assert.match(d.lastError, /ECONNREFUSED/);
    await first.close();

    // An event committed by a process that died before dispatching it (written straight into the store).
    const db = new Database(join(dataDir, 'licensor.db'));
    db.prepare('INSERT INTO events (type, module_id, subject, data, at) VALUES (?, NULL, ?, ?, ?)').run(
      'billing.topped_up',
      'acc_crashed',
      JSON.stringify({ amount: 7 }),
      clock.now(),
    );
    db.close();

    receiver = await startWebhookReceiver(() => 204, port);
    clock.advance(30 * SECOND);
    const second = await startTestNode({ clock, dataDir, reapIntervalMs: 60_000 });
    try {
      await second.running.dispatcher.pump();
      await receiver.waitFor(2);
      const types = receiver.received.map((r) => JSON.parse(r.body) as { id: string; subject: string });
      assert.equal(new Set(types.map((b) => b.id)).size, 2);
      assert.ok(types.some((b) => b.subject === 'acc_crashed'));
      const log = await deliveries(second, hook.id);
      assert.deepEqual(
        log.map((x: { status: string; attempts: number }) => [x.status, x.attempts]),
        [
          ['delivered', 1],
          ['delivered', 2],
        ],
      );
      await second.running.dispatcher.pump();
      assert.equal(receiver.received.length, 2, 'nothing is delivered twice');
    } finally {
      await second.close();
    }
  } finally {
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('licensor webhook add | list | deliveries | remove', async () => {
  const t = await startTestNode();
  const receiver = await startWebhookReceiver();
  const cli = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=licensor-source',
          'packages/server/src/cli/main.ts',
          ...args,
          '--url',
          t.url,
          '--token',
          t.adminToken,
        ],
        { cwd: new URL('..', import.meta.url).pathname },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  try {
    const added = await cli('webhook', 'add', receiver.url, '--event', 'billing.topped_up', '--json');
    assert.equal(added.code, 0, added.stderr);
    const hook = JSON.parse(added.stdout);
    assert.match(hook.secret, /^whsec_/);
    const bad = await cli('webhook', 'add', 'gopher://127.0.0.1/x');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^licensor: WEBHOOK_URL_INVALID: url must use http or https, not gopher\n$/);
    await topUp(t, await account(t), 'pay-1');
    await receiver.waitFor(1);
    const list = await cli('webhook', 'list');
    assert.match(
      list.stdout,
      new RegExp(`${hook.id}\\s+${receiver.url.replaceAll('.', '\\.')}\\s+billing\\.topped_up`),
    );
    const log = await cli('webhook', 'deliveries', hook.id);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /billing\.topped_up\s+delivered\s+1\s+\S+\s+200/);
    assert.equal((await cli('webhook', 'remove', hook.id)).stdout, `removed ${hook.id}\n`);
    const again = await cli('webhook', 'remove', hook.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /NOT_FOUND: no webhook/);
  } finally {
    await receiver.close();
    await t.close();
  }
});
