import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonClient } from './support/http-client.js';
import { createTestIssuer, freePort, spawnNode, tempDir } from './support/spawn-node.js';

const MODULE = 10003; // per-connection slots, heartbeat TTL 60 s: nothing expires during the test
const QUANTITY = 150; // small enough that the pool fills: refusals and releases race too
const LOOPS = 16;

type Fate = 'held' | 'released' | 'unknown';

// Every lease acknowledged with a 2xx must survive a SIGKILL (group commit acknowledges only after the batch commits),
// every acknowledged release must stay released, and nothing may be duplicated after the restart.
test('restart: SIGKILL mid-traffic loses no acknowledged lease and duplicates none', { timeout: 90_000 }, async () => {
  const issuer = createTestIssuer();
  const tmp = tempDir();
  const adminToken = `lsr_admin_restart_${Date.now()}`;
  const licenseFile = issuer.writeLicense(tmp.dir, [{ moduleId: MODULE, quantity: QUANTITY }]);
  const port = await freePort();
  const base = {
    dataDir: `${tmp.dir}/data`,
    port,
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken,
    licenseFile,
  };
  let node = await spawnNode(base);
  try {
    const admin = new JsonClient(node.url, adminToken, 4);
    const app = await admin.request('POST', '/v1/tokens', { role: 'app', name: 'restart-test' });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    admin.close();
    const client = new JsonClient(node.url, app.body.secret, LOOPS);

    const fate = new Map<string, Fate>();
    const leaseIds = new Map<string, string>();
    let acked = 0;
    let answered = 0;
    let refused = 0;
    let stop = false;
    const loops = Array.from({ length: LOOPS }, async (_, loop) => {
      const mine: string[] = [];
      for (let n = 0; !stop; n++) {
        // Every fourth operation releases this loop's oldest held lease; the others acquire a new holder.
        if (n % 4 === 3 && mine.length) {
          const holder = mine.shift() as string;
          fate.set(holder, 'unknown');
          try {
            const r = await client.request('DELETE', `/v1/modules/${MODULE}/leases/${holder}`);
            if (r.status === 200) fate.set(holder, 'released');
            answered++;
          } catch {
            break; // the node is gone
          }
          continue;
        }
        const holder = `loop${loop}-dev${n}`;
        fate.set(holder, 'unknown');
        try {
          const r = await client.request('POST', `/v1/modules/${MODULE}/leases`, { holderId: holder });
          answered++;
          if (r.status === 201) {
            fate.set(holder, 'held');
            leaseIds.set(holder, r.body.leaseId);
            mine.push(holder);
            acked++;
          } else if (r.status === 409) {
            fate.delete(holder);
            refused++;
          } else {
            assert.fail(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
          }
        } catch {
          break;
        }
      }
    });

    // Kill once enough traffic was acknowledged, while all loops still have requests in flight.
    const deadline = Date.now() + 20_000;
    while (answered < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await node.kill();
    stop = true;
    await Promise.all(loops);
    client.close();
    assert.ok(answered >= 600, `traffic before the kill: ${answered} answers`);
    assert.ok(refused > 0, 'the pool filled up before the kill');

    node = await spawnNode(base);
    const after = new JsonClient(node.url, adminToken, 4);
    const detail = await after.request('GET', `/v1/pools/${MODULE}?limit=1000`);
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    const holders = detail.body.holders as { holderId: string; leaseId: string; state: string }[];
    const ids = holders.map((h) => h.holderId);
    assert.equal(new Set(ids).size, ids.length, 'no holder appears twice');
    assert.equal(detail.body.summary.used, holders.length);
    assert.ok(holders.length <= QUANTITY);

    const present = new Map(holders.map((h) => [h.holderId, h]));
    const lost: string[] = [];
    const resurrected: string[] = [];
    for (const [holder, f] of fate) {
      if (f === 'held' && !present.has(holder)) lost.push(holder);
      if (f === 'held')
        assert.equal(present.get(holder)?.leaseId, leaseIds.get(holder), `${holder} keeps its lease id`);
      if (f === 'released' && present.has(holder)) resurrected.push(holder);
    }
    for (const h of holders) assert.ok(fate.has(h.holderId), `${h.holderId} was never requested`);
    assert.deepEqual(lost, [], 'acknowledged leases lost by the crash');
    assert.deepEqual(resurrected, [], 'acknowledged releases undone by the crash');
    const unknown = [...fate.values()].filter((f) => f === 'unknown').length;
    assert.ok(unknown <= LOOPS, `at most one request per loop was in flight at the kill (${unknown})`);

    // The restarted node serves: a held lease heartbeats with its id, releases, and a new holder takes the slot.
    const heldHolder = [...fate].find(([, f]) => f === 'held')?.[0] as string;
    const hb = await after.request('POST', `/v1/modules/${MODULE}/leases/${heldHolder}/heartbeat`, {
      leaseId: leaseIds.get(heldHolder),
    });
    assert.equal(hb.status, 200, JSON.stringify(hb.body));
    assert.equal((await after.request('DELETE', `/v1/modules/${MODULE}/leases/${heldHolder}`)).status, 200);
    const fresh = await after.request('POST', `/v1/modules/${MODULE}/leases`, { holderId: 'after-restart' });
    assert.equal(fresh.status, 201, JSON.stringify(fresh.body));
    after.close();
    console.log(
      `restart: ${answered} answers, ${acked} acquires acknowledged, ${refused} refused, ${holders.length} holders after restart, ${unknown} in flight at the kill`,
    );

    // SIGTERM stops gracefully with exit code 0.
    assert.equal(await node.stop(), 0);
  } finally {
    await node.kill();
    tmp.remove();
  }
});
