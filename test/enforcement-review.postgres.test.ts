// One node per hardware key on a machine, whatever store it runs on: a licensee who starts a second node on another
// PostgreSQL schema (or on SQLite beside one on PostgreSQL) does not get the license twice; scale-out on one schema works.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { machineIdKey } from '../packages/server/src/hwkey/usb-drives.js';
import { lockHardwareKey } from '../packages/server/src/node/hardware-key-lock.js';
import { fetchJson } from './support/http-client.js';
import { licenseTerms } from './support/license-terms.js';
import { lockPostgres, SKIP_POSTGRES, testSchema } from './support/postgres.js';
import { lockMachineKeyTests } from './support/test-lock.js';
import { createTestIssuer, freePort, spawnNode, tempDir } from './support/spawn-node.js';

const ADMIN = 'enforcement-review-pg-admin-token-01';

const api = (url: string, method: string, path: string, body?: unknown) => fetchJson(url, ADMIN, method, path, body);

/** Starts a node that must be refused: the error it exits with, or a failure (after stopping it) if it serves. */
async function refused(opts: Parameters<typeof spawnNode>[0]): Promise<Error> {
  const node = await spawnNode(opts).catch((err: Error) => err);
  if (node instanceof Error) return node;
  await node.stop();
  throw new Error('the second node started: the hardware key is served twice on this machine');
}

test(
  'a second PostgreSQL schema, or SQLite beside PostgreSQL, for the same machine key is refused; a process of the same schema runs beside',
  { skip: SKIP_POSTGRES, timeout: 120_000 },
  async (t) => {
    const turn = await lockMachineKeyTests();
    try {
      // The lock binds keys read from the machine: this test reads the machine id (a key given by hand binds nothing).
      const machine = machineIdKey('/');
      if (!machine.ok) return void t.skip(`no machine id here (${machine.message})`);
      const probe = await lockHardwareKey(machine.value.key, 'enforcement test probe');
      if (!probe.ok) return void t.skip(`this machine's key is served by another process right now: ${probe.message}`);
      await probe.value.release();
      const unlock = await lockPostgres();
      const issuer = createTestIssuer();
      const tmp = tempDir();
      const a = testSchema();
      const b = testSchema();
      try {
        const terms = licenseTerms([{ moduleId: 4001, quantity: 2 }], { keySource: 'machine-id' });
        const lic = issuer.writeLicense(tmp.dir, terms.entitlements, { ...terms, hardwareKey: machine.value.key });
        const base = {
          hardwareKey: machine.value.key,
          issuerPublicKey: issuer.publicKey,
          adminToken: ADMIN,
          licenseFile: lic,
          dropHardwareKey: true,
        };
        const source = ['--hardware-key-source', 'machine-id'];
        const first = await spawnNode({
          ...base,
          dataDir: join(tmp.dir, 'a1'),
          port: await freePort(),
          args: [...source, '--store', a.url],
        });
        try {
          const other = await refused({
            ...base,
            dataDir: join(tmp.dir, 'b'),
            port: await freePort(),
            args: [...source, '--store', b.url],
          });
          assert.match(other.message, /is already served by another Licensor process on this machine/);
          assert.ok(other.message.includes(`PID ${first.child.pid}`), other.message);
          const sqlite = await refused({
            ...base,
            dataDir: join(tmp.dir, 'sqlite'),
            port: await freePort(),
            args: source,
          });
          assert.ok(sqlite.message.includes(`PID ${first.child.pid}`), sqlite.message);
          // Scale-out: a second process on the same schema shares the pools, two slots in all.
          const second = await spawnNode({
            ...base,
            dataDir: join(tmp.dir, 'a2'),
            port: await freePort(),
            args: [...source, '--store', a.url],
          });
          try {
            assert.equal((await api(first.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-1' })).status, 201);
            assert.equal((await api(second.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-2' })).status, 201);
            assert.equal(
              (await api(second.url, 'POST', '/v1/modules/4001/leases', { holderId: 'pc-3' })).body.code,
              'INSUFFICIENT_LICENSE',
            );
          } finally {
            await second.stop();
          }
        } finally {
          await first.stop();
        }
      } finally {
        await a.drop();
        await b.drop();
        tmp.remove();
        unlock();
      }
    } finally {
      turn();
    }
  },
);
