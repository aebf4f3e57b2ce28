import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  InsufficientLicenseError,
  LicensingClient,
  licensedModule,
  loadPlugin,
  ModuleNotLicensedError,
} from '@licensor/sdk';
import { startTestNode, type TestNode } from '../../../test/support/test-node.js';
import { liveHolders } from './support/node-helpers.js';

// The Syrve plugin plans against a real node, with catalogs/syrve-plugins.json: 10001 pay per plugin instance
// (REJECT_NEW), 10002 the free formality module of a per-connection plugin (UNCOUNTED), 10003 its connections.
const PER_INSTANCE = 10001;
const FORMALITY = 10002;
const CONNECTIONS = 10003;

let node: TestNode;
before(async () => {
  node = await startTestNode({
    entitlements: [
      { moduleId: PER_INSTANCE, quantity: 1 },
      { moduleId: FORMALITY, quantity: null },
      { moduleId: CONNECTIONS, quantity: 2 },
    ],
  });
});
after(() => node.close());

let constructed = 0;

@licensedModule(PER_INSTANCE)
class CustomerDisplay {
  disposed = false;
  constructor(readonly screen = 'main') {
    constructed++;
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.disposed = true;
  }
}

@licensedModule(FORMALITY)
class TerminalGateway {
  constructor(readonly client: LicensingClient) {}
  /** Each external device takes a connection slot; the plugin itself needs none. */
  connect(deviceId: string) {
    return this.client.acquireSlot(CONNECTIONS, deviceId);
  }
}

@licensedModule(99999)
class UnknownPlugin {}

class Unmarked {}

test('a per-instance plugin loads with a slot held by its instance ID, and unload frees it', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.appToken });
  const loaded = await loadPlugin(client, CustomerDisplay, { instanceId: 'pos-1/display', args: ['second'] });
  assert.ok(loaded.plugin instanceof CustomerDisplay);
  assert.equal(loaded.plugin.screen, 'second');
  assert.equal(loaded.moduleId, PER_INSTANCE);
  assert.equal(loaded.lease?.holderId, 'pos-1/display');
  assert.deepEqual(await liveHolders(node, PER_INSTANCE), ['pos-1/display']);
  await loaded.unload();
  await loaded.unload();
  assert.equal(loaded.plugin.disposed, true);
  assert.deepEqual(await liveHolders(node, PER_INSTANCE), []);
});

test('without a free instance the plugin is refused and never constructed', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.appToken });
  await using _first = await loadPlugin(client, CustomerDisplay, { instanceId: 'pos-1/display' });
  const before = constructed;
  const err = await loadPlugin(client, CustomerDisplay, { instanceId: 'pos-2/display' }).catch((e: unknown) => e);
  assert.ok(err instanceof InsufficientLicenseError, String(err));
  assert.match(err.message, /plugin CustomerDisplay \(module 10001\) not loaded/);
  assert.equal(constructed, before);
});

test('the same plugin instance restarting re-takes its own slot', async () => {
  const crashed = new LicensingClient({ url: node.url, token: node.appToken });
  const first = await loadPlugin(crashed, CustomerDisplay, { instanceId: 'pos-3/display' });
  const leaseId = first.lease?.leaseId;
  // Gone without releasing (as a crash leaves it): the slot stays taken for the session grace.
  await crashed.close();
  await using restarted = new LicensingClient({ url: node.url, token: node.appToken });
  await using again = await loadPlugin(restarted, CustomerDisplay, { instanceId: 'pos-3/display' });
  assert.equal(again.lease?.leaseId, leaseId);
  assert.equal(again.lease?.reacquired, true);
});

test('a free formality module loads without a slot; its devices take connection slots until none is free', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.appToken });
  await using gateway = await loadPlugin(client, TerminalGateway, { instanceId: 'section-a', args: [client] });
  assert.equal(gateway.lease, null);
  await using _a = await gateway.plugin.connect('terminal-1');
  await using _b = await gateway.plugin.connect('terminal-2');
  await assert.rejects(gateway.plugin.connect('terminal-3'), InsufficientLicenseError);
  assert.deepEqual(await liveHolders(node, FORMALITY), []);
});

test('a plugin whose module the node does not know or license is not loaded', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.appToken });
  await assert.rejects(loadPlugin(client, UnknownPlugin, { instanceId: 'x' }), ModuleNotLicensedError);
});

test('a class without @licensedModule is a programming error', async () => {
  await using client = new LicensingClient({ url: node.url, token: node.appToken });
  await assert.rejects(loadPlugin(client, Unmarked, { instanceId: 'x' }), TypeError);
});
