import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signWebhookBody } from '@licensor/protocol';
import { freePort } from '../../../test/support/spawn-node.js';
import { startTestNode, type TestNode } from '../../../test/support/test-node.js';

// The README's receiver must work as written: run the example file itself and let a real node deliver to it.
const example = fileURLToPath(new URL('../examples/webhook-receiver.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const SECRET = 'whsec_the-receiver-and-the-node-share-this';

let node: TestNode;
let receiver: ChildProcess;
let port: number;
let out = '';

/** Resolves once the receiver's output matches `pattern` (fails after `ms`). */
async function waitForOutput(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
  const end = Date.now() + ms;
  for (;;) {
    const m = out.match(pattern);
    if (m) return m;
    if (Date.now() > end || receiver.exitCode !== null)
      throw new Error(`receiver output did not match ${pattern} in ${ms} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runExample(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=licensor-source', example], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  return child;
}

before(async () => {
  node = await startTestNode({ issuer: true });
  port = await freePort();
  receiver = runExample({ LICENSOR_WEBHOOK_SECRET: SECRET, PORT: String(port) });
  await waitForOutput(/listening on http:\/\/127\.0\.0\.1:\d+\//, 30_000);
});
after(async () => {
  receiver.kill();
  await node.close();
});

test('webhook receiver example: verifies a real delivery, refuses forged ones, ignores a repeat', async () => {
  const hook = await node.api('POST', '/v1/webhooks', {
    url: `http://127.0.0.1:${port}/hooks/licensor`,
    events: ['billing.topped_up'],
    secret: SECRET,
  });
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  const account = await node.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Hooks', currency: 'EUR' });
  assert.equal(account.status, 201, JSON.stringify(account.body));
  const topUp = await node.api('POST', `/v1/billing/accounts/${account.body.id}/topups`, {
    amount: 1000,
    currency: 'EUR',
    reference: 'pay-1',
  });
  assert.equal(topUp.status, 201, JSON.stringify(topUp.body));

  const [line, eventId] = (await waitForOutput(/billing\.topped_up (evt_\d+) \S+ (\{.*\})\n/)) as unknown as [
    string,
    string,
    string,
  ];
  assert.match(line, /"amount":1000/);
  const deliveries = (await node.api('GET', `/v1/webhooks/${hook.body.id}/deliveries`)).body.deliveries;
  assert.equal(deliveries[0]?.status, 'delivered', JSON.stringify(deliveries));
  assert.equal(deliveries[0]?.lastStatusCode, 204);

  const body = JSON.stringify({
    id: 'evt_999999',
    type: 'billing.topped_up',
    at: new Date().toISOString(),
    moduleId: null,
    subject: null,
    data: { amount: 1 },
  });
  const post = (headers: Record<string, string>, text = body) =>
    fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: text,
    });
  assert.equal((await post({})).status, 401, 'unsigned');
  assert.equal(
    (await post({ 'licensor-signature': signWebhookBody('whsec_someone-elses-secret', body, Date.now()) })).status,
    401,
    'another secret',
  );
  assert.equal(
    (await post({ 'licensor-signature': signWebhookBody(SECRET, body, Date.now() - 10 * 60_000) })).status,
    401,
    'a replay',
  );
  const signed = signWebhookBody(SECRET, body, Date.now());
  assert.equal(
    (await post({ 'licensor-signature': signed }, body.replace('"amount":1', '"amount":9'))).status,
    401,
    'a changed body',
  );

  const repeat = body.replace('evt_999999', eventId);
  assert.equal(
    (await post({ 'licensor-signature': signWebhookBody(SECRET, repeat, Date.now()) }, repeat)).status,
    204,
    'a repeat is accepted',
  );
  // Output is in order: once a later delivery is printed, the repeat would have been printed before it.
  const later = body.replace('evt_999999', 'evt_999998');
  assert.equal((await post({ 'licensor-signature': signWebhookBody(SECRET, later, Date.now()) }, later)).status, 204);
  await waitForOutput(/billing\.topped_up evt_999998 /);
  assert.equal(out.split(`${eventId} `).length - 1, 1, 'and not acted on twice');
  await waitForOutput(/(?:refused a POST[\s\S]*){4}/); // on stderr, which may trail stdout
});

test('webhook receiver example: without a secret it says so and exits', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=licensor-source', example], {
    cwd: root,
    env: { ...process.env, LICENSOR_WEBHOOK_SECRET: '' },
    timeout: 30_000,
  });
  let text = '';
  child.stderr.on('data', (b: Buffer) => {
    text += b.toString();
  });
  const [code] = await new Promise<[number | null]>((resolve) => child.on('close', (c) => resolve([c])));
  assert.equal(code, 2);
  assert.match(text, /^LICENSOR_WEBHOOK_SECRET is not set/);
});
