// The C# client (clients/dotnet) under Mono against a real node on 127.0.0.1: the suite builds the library, its test
// program and the README's example with `mcs`, starts a node with a license, and runs one C# scenario per test.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defaultCatalogFiles } from '../packages/server/src/catalog/load-catalog-file.js';
import { tempDir } from './support/spawn-node.js';
import { startTestNode, type TestNode } from './support/test-node.js';
import { until } from './support/until.js';

const ROOT = new URL('../', import.meta.url).pathname;
const CLIENT = join(ROOT, 'clients/dotnet');

const hasMono = ['mcs', 'mono'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);
if (!hasMono) console.log('dotnet client suite: SKIPPED (mono-devel not installed)');

// Module ids and quantities the C# program (clients/dotnet/tests/ClientTests.cs) expects.
const TERMINALS = 91001; // connection, 10 slots, heartbeat TTL 3 s (heartbeats every 1 s)
const GATEWAYS = 91002; // connection, 5 slots
const TTL_MS = 3_000;
const CATALOG = {
  catalog: 'dotnet-client-test',
  developer: 'test',
  modules: [
    {
      id: TERMINALS,
      name: 'Test terminals',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: TTL_MS / 1000,
    },
    {
      id: GATEWAYS,
      name: 'Test gateways',
      kind: 'connection',
      policy: { strategy: 'REJECT_NEW' },
      heartbeatTtlSeconds: 60,
    },
  ],
};
const ENTITLEMENTS = [
  { moduleId: TERMINALS, quantity: 10 },
  { moduleId: GATEWAYS, quantity: 5 },
  { moduleId: 2001, quantity: 2 }, // cash registers
  { moduleId: 2101, quantity: null }, // add-on: client discounts (2102, bonus accounts, is not licensed)
  { moduleId: 3001, quantity: 10 }, // Processing Center quota
  { moduleId: 10001, quantity: 1 }, // customer display plugin: one instance
  { moduleId: 10002, quantity: null }, // terminal gateway plugin: uncounted
  { moduleId: 10003, quantity: 2 }, // terminal gateway external connections (the README's example)
];

interface Run {
  code: number | null;
  out: string;
}

/** Runs a Mono program to its end (bounded by `timeoutMs`). */
function mono(exe: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'mono',
      ['--debug', exe, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code =
          err && typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : err ? null : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

describe(
  'C# client (Licensor.Client) under Mono',
  { skip: hasMono ? false : 'mono-devel not installed', timeout: 240_000 },
  () => {
    const tmp = tempDir('licensor-dotnet-');
    const bin = join(tmp.dir, 'bin');
    let node: TestNode;
    const scenario = async (name: string) => {
      const run = await mono(join(bin, 'LicensorClientTests.exe'), [node.url, node.appToken, node.adminToken, name]);
      assert.equal(run.code, 0, `scenario ${name} failed:\n${run.out}`);
      assert.match(run.out, new RegExp(`PASS ${name}`));
      return run.out;
    };
    const liveHolders = async (moduleId: number): Promise<string[]> => {
      const r = await node.api('GET', `/v1/pools/${moduleId}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.holders as { holderId: string; state: string }[])
        .filter((h) => h.state !== 'expired')
        .map((h) => h.holderId);
    };

    before(async () => {
      const build = spawnSync('bash', [join(CLIENT, 'build-mono.sh'), bin], { encoding: 'utf8', timeout: 180_000 });
      assert.equal(build.status, 0, `build-mono.sh failed:\n${build.stdout}${build.stderr}`);
      const catalogPath = join(tmp.dir, 'catalog.json');
      writeFileSync(catalogPath, JSON.stringify(CATALOG));
      node = await startTestNode({
        entitlements: ENTITLEMENTS,
        flags: { catalogs: [...defaultCatalogFiles(), catalogPath].join(',') },
      });
    });
    after(async () => {
      await node?.close();
      rmSync(tmp.dir, { recursive: true, force: true });
    });

    test('10 devices take the 10 slots, the 11th is declined, device 3 re-takes its slot and then leaves for device 11', async () => {
      await scenario('slots');
    });

    test('a process that exits without Dispose has its slots freed after the heartbeat TTL', async () => {
      const run = await mono(join(bin, 'LicensorClientTests.exe'), [node.url, node.appToken, node.adminToken, 'hold']);
      assert.equal(run.code, 0, run.out);
      assert.match(run.out, /HELD till-1,till-2,till-3,till-4/);
      // Nobody heartbeats them any more: the node frees them once the module's TTL has passed since the last beat.
      // (Mono may take longer than the 3 s TTL to exit on a loaded machine, so the events, not a snapshot taken
      // right after the exit, show that the slots outlived the process: they expired, none was released.)
      const endings = async (): Promise<(string | undefined)[]> => {
        const r = await node.api('GET', `/v1/events?type=slot.expired,slot.released&moduleId=${TERMINALS}&limit=1000`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const how = new Map<string, string>();
        for (const e of r.body.events as { type: string; subject: string }[]) how.set(e.subject, e.type);
        return ['till-1', 'till-2', 'till-3', 'till-4'].map((h) => how.get(h));
      };
      const ended = await until(endings, (e) => e.every(Boolean), "the dead process's slots to expire", {
        ms: TTL_MS + 5_000,
      });
      assert.deepEqual(
        ended,
        ['slot.expired', 'slot.expired', 'slot.expired', 'slot.expired'],
        'the slots outlived the process and ended by expiring, not by a release',
      );
      assert.deepEqual(await liveHolders(TERMINALS), []);
    });

    test('a slot whose heartbeats no longer reach the node is declared lost once its TTL has passed', async () => {
      // A proxy that serves the acquire, then goes dark (every later connection is reset): the node frees the slot
      // after its TTL, and the service must not go on reporting it held (another device may take it meanwhile).
      let dark = false;
      const proxy = createServer((req, res) => {
        if (dark) return void req.socket.destroy();
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
          ) as Record<string, string>;
          const body = chunks.length ? Buffer.concat(chunks) : undefined;
          const answer = await fetch(new URL(req.url ?? '/', node.url), { method: req.method, headers, body });
          const text = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(text);
          if (req.method === 'POST' && /\/leases$/.test(req.url ?? '') && answer.status < 300) dark = true;
        });
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      try {
        const port = (proxy.address() as AddressInfo).port;
        const url = `http://127.0.0.1:${port}`;
        const run = await mono(join(bin, 'LicensorClientTests.exe'), [url, node.appToken, node.adminToken, 'cutoff']);
        assert.equal(run.code, 0, `scenario cutoff failed:\n${run.out}`);
        assert.match(run.out, /PASS cutoff/);
        assert.ok(dark, 'the proxy served the acquire and then went dark');
      } finally {
        proxy.closeAllConnections();
        await new Promise<void>((r) => proxy.close(() => r()));
      }
    });

    test('cash registers: an unlicensed add-on is reported blocked, registers beyond the quantity too', async () => {
      await scenario('members');
    });

    test('Processing Center: quota reports and operation checks', async () => {
      await scenario('quota');
    });

    test('plugins marked [LicensedModule] load only when licensed', async () => {
      await scenario('plugins');
    });

    test('refusals by code, argument checks, cancellation and the per-call timeout', async () => {
      await scenario('errors');
    });

    test('many threads on one service: exactly the licensed quantity is admitted', async () => {
      await scenario('concurrency');
      assert.deepEqual(await liveHolders(GATEWAYS), []);
    });

    test("the README's example is the example program, and it runs as written", async () => {
      const program = readFileSync(join(CLIENT, 'examples/Quickstart/Program.cs'), 'utf8');
      const readme = readFileSync(join(CLIENT, 'README.md'), 'utf8');
      assert.ok(
        readme.includes(program.trim()),
        'clients/dotnet/README.md shows examples/Quickstart/Program.cs verbatim',
      );
      const run = await mono(join(bin, 'Quickstart.exe'), [], {
        LICENSOR_URL: node.url,
        LICENSOR_TOKEN: node.appToken,
      });
      assert.equal(run.code, 0, run.out);
      assert.equal(
        run.out.trim(),
        [
          'tablet-1: connected',
          'tablet-2: connected',
          'declined tablet-3: 2 of 2 slots in use',
          'tablet-3: declined',
          'tablet-3: connected',
        ].join('\n'),
      );
      assert.deepEqual(await liveHolders(10003), [], 'the example released its slots');
    });
  },
);
