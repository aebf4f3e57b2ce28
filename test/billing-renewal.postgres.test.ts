// Rental renewal with two vendor processes on one PostgreSQL database: both schedulers run at once, each period is
// charged once and renewed once, and a top-up with one payment reference is recorded once whichever process takes it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { formatPublicKey, rawPublicKey } from '@licensor/protocol';
import pg from 'pg';
import { loadNodeConfig } from '../packages/server/src/config/node-config.js';
import { type RunningNode, startNode } from '../packages/server/src/main/start-node.js';
import { PostgresStore } from '../packages/server/src/store/postgres/postgres-store.js';
import { lockPostgres, SKIP_POSTGRES, type TestSchema, testSchema } from './support/postgres.js';
import { FakeClock } from './support/test-node.js';

const DAY = 86_400_000;

describe('billing on two processes sharing PostgreSQL', { skip: SKIP_POSTGRES, timeout: 120_000 }, () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const dir = mkdtempSync(join(tmpdir(), 'licensor-pg-billing-'));
  const token = `lsr_admin_pgbilling_${Date.now()}`;
  const nodes: RunningNode[] = [];
  let schema: TestSchema;
  let db: pg.Client;
  let unlock: () => void = () => undefined;

  const api = async (n: RunningNode, method: string, path: string, body?: unknown) => {
    const res = await fetch(n.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
    return { status: res.status, body: (await res.json()) as any };
  };

  before(async () => {
    unlock = await lockPostgres();
    schema = testSchema();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pub = formatPublicKey(rawPublicKey(publicKey));
    const issuerDir = join(dir, 'issuer');
    mkdirSync(issuerDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(issuerDir, 'issuer.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, {
      mode: 0o600,
    });
    writeFileSync(join(issuerDir, 'issuer.pub'), `${pub}\n`);
    for (const i of [0, 1]) {
      const config = loadNodeConfig(
        {
          dataDir: join(dir, `node-${i}`),
          store: schema.url,
          port: '0',
          host: '127.0.0.1',
          hardwareKey: 'b'.repeat(64),
          issuerPublicKey: pub,
          issuerDir,
          logLevel: 'silent',
          reapIntervalMs: '60000', // the test runs the schedulers itself, at the same moment
          bootstrapAdminToken: token,
        },
        {},
      );
      assert.ok(config.ok);
      const started = await startNode(config.value, { clock, validateResponses: true });
      assert.ok(started.ok, started.ok ? '' : started.message);
      nodes.push(started.value);
    }
    db = new pg.Client({
      connectionString: process.env.LICENSOR_TEST_POSTGRES_URL,
      options: `-c search_path=${schema.name}`,
    });
    await db.connect();
  });

  after(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await db?.end().catch(() => undefined);
    await schema?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    unlock();
  });

  test('a top-up reference is recorded once across processes', async () => {
    const [a, b] = nodes as [RunningNode, RunningNode];
    const acc = (await api(a, 'POST', '/v1/billing/accounts', { customerName: 'Cafe Central', currency: 'EUR' })).body
      .id as string;
    const burst = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(i % 2 ? a : b, 'POST', `/v1/billing/accounts/${acc}/topups`, {
          amount: 700,
          currency: 'EUR',
          reference: 'pay-race',
        }),
      ),
    );
    assert.equal(burst.filter((r) => r.status === 201).length, 1, JSON.stringify(burst.map((r) => r.status)));
    assert.ok(burst.every((r) => r.status === 201 || (r.status === 200 && r.body.duplicate === true)));
    assert.equal((await api(b, 'GET', `/v1/billing/accounts/${acc}`)).body.balance, 700);
  });

  test('both schedulers run at once: each period is charged and renewed once', async () => {
    const [a, b] = nodes as [RunningNode, RunningNode];
    const acc = (await api(a, 'POST', '/v1/billing/accounts', { customerName: 'Cafe Pushkin', currency: 'EUR' })).body
      .id as string;
    assert.equal(
      (
        await api(b, 'POST', `/v1/billing/accounts/${acc}/topups`, {
          amount: 10_000,
          currency: 'EUR',
          reference: 'pay-1',
        })
      ).status,
      201,
    );
    const plan = (
      await api(a, 'POST', '/v1/rental-plans', {
        name: 'Manager daily',
        period: 'day',
        price: 1000,
        currency: 'EUR',
        entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
      })
    ).body.id as string;
    const started = await api(b, 'POST', '/v1/rentals', {
      accountId: acc,
      planId: plan,
      hardwareKey: 'c'.repeat(64),
      keySource: 'any',
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const rental = started.body.id as string;
    for (let period = 1; period <= 3; period++) {
      clock.advance(DAY);
      const runs = await Promise.all([a.billing.tick(), b.billing.tick(), a.billing.tick(), b.billing.tick()]);
      assert.equal(
        runs.reduce((n, r) => n + r.renewed, 0),
        1,
        `period ${period}: ${JSON.stringify(runs)}`,
      );
    }
    const charges = (
      await db.query(
        "SELECT period_index FROM ledger WHERE kind = 'rental_charge' AND rental_id = $1 ORDER BY period_index",
        [rental],
      )
    ).rows.map((r) => Number(r.period_index));
    assert.deepEqual(charges, [0, 1, 2, 3]);
    const renewed = (await db.query("SELECT COUNT(*)::int AS n FROM events WHERE type = 'license.renewed'")).rows[0].n;
    assert.equal(renewed, 3);
    assert.equal((await api(a, 'GET', `/v1/billing/accounts/${acc}`)).body.balance, 6000);
  });

  test('two real processes renewing the same rental at the same instants: each period charged once', async () => {
    const store = new PostgresStore(schema.url);
    const rental = 'rnt_race';
    await store.billing.atomically(async (tx) => {
      await tx.insertAccount({
        id: 'acc_race',
        customerId: 'cus_race',
        customerName: 'Race',
        currency: 'EUR',
        createdAt: 1,
      });
      await tx.insertPlan({
        id: 'pln_race',
        name: 'Daily',
        period: 'day',
        price: 1000,
        currency: 'EUR',
        graceMs: 0,
        entitlements: [{ moduleId: 4001, quantity: 1 }],
        createdAt: 1,
      });
      await tx.insertRental({
        id: rental,
        accountId: 'acc_race',
        planId: 'pln_race',
        licenseId: 'lic_race',
        hardwareKey: 'd'.repeat(64),
        scope: 'static',
        customerName: 'Race',
        anchorAt: 0,
        anchorIndex: 0,
        periodIndex: 0,
        periodEnd: DAY,
        status: 'active',
        warnedIndex: -1,
        createdAt: 1,
        updatedAt: 1,
      });
    });
    await store.close();
    const startAt = Date.now() + 4000; // both processes are up by then
    const racer = (n: number) =>
      promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=licensor-source',
          join(import.meta.dirname, 'support/pg-billing-racer.ts'),
          schema.url,
          rental,
          String(startAt),
          '5',
        ],
        { timeout: 60_000 },
      ).then((r) => ({ n, won: JSON.parse(r.stdout).won as number[] }));
    const results = await Promise.all([racer(1), racer(2)]);
    const won = results.flatMap((r) => r.won).sort((x, y) => x - y);
    assert.deepEqual(won, [1, 2, 3, 4, 5], JSON.stringify(results));
    const charges = (
      await db.query(
        "SELECT period_index FROM ledger WHERE kind = 'rental_charge' AND rental_id = $1 ORDER BY period_index",
        [rental],
      )
    ).rows.map((r) => Number(r.period_index));
    assert.deepEqual(charges, [1, 2, 3, 4, 5]);
  });
});
