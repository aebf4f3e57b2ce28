import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestNode, type TestNode } from '../../../test/support/test-node.js';
import { liveHolders } from './support/node-helpers.js';

// The README's example must run as written: run the example file itself against a real node.
const example = fileURLToPath(new URL('../examples/quickstart.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
let node: TestNode;
before(async () => {
  node = await startTestNode({ entitlements: [{ moduleId: 10003, quantity: 1 }] });
});
after(() => node.close());

// Asynchronous on purpose: the node runs in this process, so a synchronous spawn would leave it unable to answer.
function runExample(): Promise<{ status: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=licensor-source', example], {
    cwd: root,
    env: { ...process.env, LICENSOR_URL: node.url, LICENSOR_TOKEN: node.appToken },
    timeout: 30_000,
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, out })));
}

test('quickstart: takes a slot, prints it, releases it and exits', async () => {
  const r = await runExample();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /slot lse_\S+ held until 20\d\d-/);
  assert.deepEqual(await liveHolders(node, 10003), []);
});

test('quickstart: with every slot in use the device is declined with a readable message', async () => {
  const taken = await node.api('POST', '/v1/modules/10003/leases', { holderId: 'someone-else' }, node.appToken);
  assert.equal(taken.status, 201);
  const r = await runExample();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /device declined: .*1 of 1/);
});
