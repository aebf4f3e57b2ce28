// The cluster the scale-out tests share: three `licensor serve` processes started together on one PostgreSQL schema,
// with a catalog of one module per concern so each test reads its own pool's leases and events and nothing else's.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { termsOfCatalog } from './license-terms.js';
import { lockPostgres, type TestSchema, testSchema } from './postgres.js';
import { createTestIssuer, freePort, type SpawnedNode, spawnNode, tempDir } from './spawn-node.js';

export const BIG = 90001; // quantity 50, TTL 60 s
export const SHORT = 90002; // quantity 20, TTL 2 s
export const PUSH = 90003; // quantity 10, TTL 60 s
export const TRAFFIC = 90004; // quantity 8, TTL 60 s
export const REGISTERS = 90005; // BLOCK_LATEST, quantity 5

/** The catalog every process serves; license terms are derived from it so the signed license matches it exactly. */
export const CATALOG = {
  catalog: 'scale-out-test',
  developer: 'test',
  modules: [
    {
      id: BIG,
      name: 'Gateway connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: SHORT,
      name: 'Short-lived connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 2,
    },
    {
      id: PUSH,
      name: 'Pushed connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: TRAFFIC,
      name: 'Traffic connections',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
    {
      id: REGISTERS,
      name: 'Cash registers',
      kind: 'application',
      policy: { strategy: 'BLOCK_LATEST', memberInactiveAfterSeconds: null },
    },
  ],
};

/** The local PostgreSQL major version, needed to restart its cluster with pg_ctlcluster. */
export const pgVersion = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql')[0] : undefined;
/** Whether the test database is the local server this machine can restart (not a remote one). */
export const canRestart = Boolean(pgVersion) && process.env.LICENSOR_TEST_POSTGRES_URL?.includes('127.0.0.1');

/** An admin API answer: status, parsed JSON body and Retry-After, which the store-outage test checks. */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
  retryAfter: string | null;
}

/** Creates the cluster's state and helpers; call `setUp` in `before` and `tearDown` in `after` of one describe. */
export function scaleOutCluster() {
  const issuer = createTestIssuer();
  const tmp = tempDir('licensor-scale-');
  const token = `lsr_scale_${Date.now()}`;
  let schema: TestSchema | undefined;
  let unlock: () => void = () => undefined;
  let catalogPath = '';
  let licensePath = '';
  // Filled in by setUp; tests may replace an entry (a killed process restarted), so it is one shared array.
  const nodes: SpawnedNode[] = [];

  const cluster = {
    issuer,
    token,
    nodes,
    /** Direct connection to the shared schema, for checking what the processes wrote; set by setUp. */
    db: undefined as unknown as pg.Pool,

    /** Starts process `i` on the shared schema; also used to bring a killed process back. */
    start: async (i: number): Promise<SpawnedNode> => {
      if (!schema) throw new Error('scaleOutCluster: start before setUp');
      return spawnNode({
        dataDir: join(tmp.dir, `node-${i}`),
        port: await freePort(),
        hardwareKey: issuer.hardwareKey,
        issuerPublicKey: issuer.publicKey,
        adminToken: token,
        licenseFile: licensePath,
        args: [
          '--store',
          schema.url,
          '--catalog',
          catalogPath,
          '--reap-interval-ms',
          '200',
          '--session-grace-ms',
          '60000',
        ],
        startTimeoutMs: 90_000,
      });
    },

    /** Calls the admin API of one process with the bootstrap token. */
    api: async (node: SpawnedNode, method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
      const res = await fetch(node.url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: text ? JSON.parse(text) : null,
        retryAfter: res.headers.get('retry-after'),
      };
    },

    /** Counts a module's leases in the database, the truth every process shares. */
    leaseCount: async (moduleId: number): Promise<number> =>
      Number((await cluster.db.query('SELECT COUNT(*) AS n FROM leases WHERE module_id = $1', [moduleId])).rows[0].n),

    /** Lists the subjects of a module's recorded events of one type, to check each was recorded once. */
    eventsOf: async (type: string, moduleId: number): Promise<string[]> =>
      (
        await cluster.db.query('SELECT subject FROM events WHERE type = $1 AND module_id = $2', [type, moduleId])
      ).rows.map((r) => r.subject as string),

    /** Takes the PostgreSQL lock, creates the schema, writes catalog and license, and starts three processes at once. */
    setUp: async (): Promise<void> => {
      unlock = await lockPostgres();
      schema = testSchema();
      cluster.db = new pg.Pool({
        connectionString: schema.url.replace(/[?&]schema=[^&]*/, ''),
        options: `-c search_path=${schema.name}`,
        max: 2,
      });
      cluster.db.on('error', () => undefined);
      catalogPath = join(tmp.dir, 'catalog.json');
      writeFileSync(catalogPath, JSON.stringify(CATALOG));
      licensePath = issuer.writeLicense(
        tmp.dir,
        [
          { moduleId: BIG, quantity: 50 },
          { moduleId: SHORT, quantity: 20 },
          { moduleId: PUSH, quantity: 10 },
          { moduleId: TRAFFIC, quantity: 8 },
          { moduleId: REGISTERS, quantity: 5 },
        ],
        { modules: termsOfCatalog(CATALOG) },
      );
      // Started together: the migrations, the license install and the bootstrap token race, and must each happen once.
      nodes.push(...(await Promise.all([0, 1, 2].map(cluster.start))));
    },

    /** Stops the processes, drops the schema and releases the lock, tolerating a setUp that failed halfway. */
    tearDown: async (): Promise<void> => {
      await Promise.all(nodes.map((n) => n.kill()));
      await cluster.db?.end().catch(() => undefined);
      await schema?.drop().catch(() => undefined);
      tmp.remove();
      unlock();
    },
  };
  return cluster;
}

/** The cluster object the scale-out test files share. */
export type ScaleOutCluster = ReturnType<typeof scaleOutCluster>;
