import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { JsonClient } from './support/http-client.js';
import { createTestIssuer, freePort, type SpawnNodeOptions, spawnNode, tempDir } from './support/spawn-node.js';

// Issue 6: charge and extension are one SQLite transaction. A real `licensor serve` process is armed with a
// test-only fault point (LICENSOR_FAULT, read by node-config) that SIGKILLs it in the renewal path; the restart must
// show a consistent ledger and license, and renew exactly once.

const DAY = 86_400_000;

interface Setup {
  base: SpawnNodeOptions;
  dbPath: string;
  rentalId: string;
  accountId: string;
  firstNotAfter: string;
  remove(): void;
}

/** A vendor node with a daily rental for its own hardware key, stopped, its period then made due. */
async function rentalDue(): Promise<Setup> {
  const issuer = createTestIssuer();
  const tmp = tempDir('licensor-billing-crash-');
  const issuerDir = join(tmp.dir, 'issuer');
  mkdirSync(issuerDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(issuerDir, 'issuer.key'), issuer.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, {
    mode: 0o600,
  });
  writeFileSync(join(issuerDir, 'issuer.pub'), `${issuer.publicKey}\n`);
  const base: SpawnNodeOptions = {
    dataDir: join(tmp.dir, 'data'),
    port: await freePort(),
    hardwareKey: issuer.hardwareKey,
    issuerPublicKey: issuer.publicKey,
    adminToken: `lsr_admin_billing_crash_${Date.now()}`,
    args: ['--issuer-dir', issuerDir, '--reap-interval-ms', '100'],
  };
  const node = await spawnNode(base);
  const api = new JsonClient(node.url, base.adminToken, 4);
  try {
    const acc = await api.request('POST', '/v1/billing/accounts', { customerName: 'Cafe Crash', currency: 'EUR' });
    await api.request('POST', `/v1/billing/accounts/${acc.body.id}/topups`, {
      amount: 5000,
      currency: 'EUR',
      reference: 'pay-1',
    });
    const plan = await api.request('POST', '/v1/rental-plans', {
      name: 'Manager daily',
      period: 'day',
      price: 1000,
      currency: 'EUR',
      entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
    });
    const rental = await api.request('POST', '/v1/rentals', {
      accountId: acc.body.id,
      planId: plan.body.id,
      hardwareKey: issuer.hardwareKey,
      keySource: 'any',
    });
    assert.equal(rental.status, 201, JSON.stringify(rental.body));
    assert.equal(rental.body.installedHere, true);
    assert.equal((await api.request('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
    assert.equal(await node.stop(), 0);
    // The node runs on the wall clock: instead of waiting a day, move the rental's period a day back, as if it had
    // passed (the renewal then ends a day from now, later than the first file's end).
    await sleep(1500);
    const db = new Database(join(base.dataDir, 'licensor.db'));
    const dueAt = Date.now() - 1000;
    db.prepare('UPDATE rentals SET anchor_at = ?, period_end = ? WHERE id = ?').run(dueAt - DAY, dueAt, rental.body.id);
    db.close();
    return {
      base,
      dbPath: join(base.dataDir, 'licensor.db'),
      rentalId: rental.body.id,
      accountId: acc.body.id,
      firstNotAfter: rental.body.notAfter,
      remove: tmp.remove,
    };
  } catch (err) {
    await node.kill();
    tmp.remove();
    throw err;
  } finally {
    api.agent.destroy();
  }
}

/** What the store holds about the rental, read straight from the file. */
function storeState(s: Setup) {
  const db = new Database(s.dbPath, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const charges = (
      db
        .prepare("SELECT period_index AS p FROM ledger WHERE kind = 'rental_charge' AND rental_id = ? ORDER BY seq")
        .all(s.rentalId) as { p: number }[]
    ).map((r) => r.p);
    const balance = (
      db.prepare('SELECT SUM(amount) AS b FROM ledger WHERE account_id = ?').get(s.accountId) as { b: number }
    ).b;
    const rental = db
      .prepare('SELECT period_index AS periodIndex, status FROM rentals WHERE id = ?')
      .get(s.rentalId) as { periodIndex: number; status: string };
    const issued = (
      db.prepare('SELECT COUNT(*) AS n FROM issued_licenses WHERE rental_id = ?').get(s.rentalId) as { n: number }
    ).n;
    const renewedEvents = (
      db.prepare("SELECT COUNT(*) AS n FROM events WHERE type = 'license.renewed'").get() as { n: number }
    ).n;
    const installed = (db.prepare('SELECT text FROM license WHERE slot = 1').get() as { text: string }).text;
    const latest = (
      db.prepare('SELECT text FROM issued_licenses WHERE rental_id = ? ORDER BY seq DESC LIMIT 1').get(s.rentalId) as {
        text: string;
      }
    ).text;
    return {
      integrity,
      charges,
      balance,
      periodIndex: rental.periodIndex,
      status: rental.status,
      issued,
      renewedEvents,
      installedIsLatest: installed === latest,
    };
  } finally {
    db.close();
  }
}

/** Restarts without a fault and waits for the renewal to be visible and installed; then checks it happened once. */
async function restartAndRenewOnce(s: Setup): Promise<void> {
  const node = await spawnNode(s.base);
  const api = new JsonClient(node.url, s.base.adminToken, 4);
  try {
    const end = Date.now() + 15_000;
    let rental = await api.request('GET', `/v1/rentals/${s.rentalId}`);
    while ((rental.body.periodIndex !== 1 || !rental.body.installedHere) && Date.now() < end) {
      await sleep(50);
      rental = await api.request('GET', `/v1/rentals/${s.rentalId}`);
    }
    assert.equal(rental.body.periodIndex, 1, JSON.stringify(rental.body));
    assert.equal(rental.body.installedHere, true, 'the renewed file is installed on the node');
    assert.ok(
      Date.parse(rental.body.notAfter) > Date.parse(s.firstNotAfter),
      `extended: ${s.firstNotAfter} → ${rental.body.notAfter}`,
    );
    const lic = await api.request('GET', '/v1/license');
    assert.equal(lic.body.license.notAfter, rental.body.notAfter);
    assert.equal((await api.request('POST', '/v1/modules/4001/leases', { holderId: 'pc-2' })).status, 201);
    await sleep(600); // several scheduler ticks: none of them may charge again
    const ledger = await api.request('GET', `/v1/billing/accounts/${s.accountId}/ledger`);
    assert.deepEqual(
      ledger.body.entries.map((e: { kind: string; periodIndex: number | null }) => [e.kind, e.periodIndex]),
      [
        ['topup', null],
        ['rental_charge', 0],
        ['rental_charge', 1],
      ],
    );
    assert.equal(ledger.body.account.balance, 3000);
  } finally {
    api.agent.destroy();
    await node.stop();
  }
  const after = storeState(s);
  assert.deepEqual(after.charges, [0, 1]);
  assert.equal(after.issued, 2);
  assert.equal(after.renewedEvents, 1);
}

test(
  'SIGKILL between charge and extension (inside the transaction): the restart shows neither, then renews once',
  { timeout: 120_000 },
  async () => {
    const s = await rentalDue();
    try {
      const armed = await spawnNode({ ...s.base, env: { LICENSOR_FAULT: 'crash-after-charge' } }).catch(
        (err: Error) => err,
      );
      // The renewer may fire before the process has said it listens; either way the process must die by SIGKILL.
      if (!(armed instanceof Error)) {
        const exit = await Promise.race([armed.exited, sleep(15_000).then(() => null)]);
        if (exit === null) await armed.kill();
        assert.equal(exit?.signal, 'SIGKILL', `the armed node must kill itself in the renewal:\n${armed.output()}`);
      } else assert.match(armed.message, /exited \(SIGKILL\)/);
      const crashed = storeState(s);
      assert.equal(crashed.integrity, 'ok');
      assert.deepEqual(crashed.charges, [0], 'no charge without its extension');
      assert.equal(crashed.balance, 4000);
      assert.equal(crashed.periodIndex, 0);
      assert.equal(crashed.issued, 1, 'no re-issued file without its charge');
      assert.equal(crashed.renewedEvents, 0);
      assert.equal(crashed.installedIsLatest, true);
      await restartAndRenewOnce(s);
    } finally {
      s.remove();
    }
  },
);

test(
  'SIGKILL after the renewal commits but before the new file is installed: the restart installs it, charges nothing more',
  { timeout: 120_000 },
  async () => {
    const s = await rentalDue();
    try {
      const armed = await spawnNode({ ...s.base, env: { LICENSOR_FAULT: 'crash-after-renewal-commit' } }).catch(
        (err: Error) => err,
      );
      if (!(armed instanceof Error)) {
        const exit = await Promise.race([armed.exited, sleep(15_000).then(() => null)]);
        if (exit === null) await armed.kill();
        assert.equal(exit?.signal, 'SIGKILL', `the armed node must kill itself after the renewal:\n${armed.output()}`);
      } else assert.match(armed.message, /exited \(SIGKILL\)/);
      const crashed = storeState(s);
      assert.equal(crashed.integrity, 'ok');
      assert.deepEqual(crashed.charges, [0, 1], 'charged and extended together');
      assert.equal(crashed.balance, 3000);
      assert.equal(crashed.periodIndex, 1);
      assert.equal(crashed.issued, 2);
      assert.equal(crashed.renewedEvents, 1);
      assert.equal(crashed.installedIsLatest, false, 'the kill came before the install');
      await restartAndRenewOnce(s);
    } finally {
      s.remove();
    }
  },
);
