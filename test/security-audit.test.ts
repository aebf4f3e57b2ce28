import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { startTestNode } from './support/test-node.js';

/** Runs a command to its end without blocking this process's event loop. */
function execFileAsync(
  file: string,
  args: string[],
  opts: { cwd: string; encoding: 'utf8' },
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(file, args, opts, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const ROOT = new URL('../', import.meta.url).pathname;

test('audit log: every admin action with who, when and what; paginated; append-only in the store', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 5 },
      { moduleId: 2001, quantity: 1 },
    ],
  });
  try {
    const admin = (await t.api('GET', '/v1/tokens')).body.tokens.find((x: { name: string }) => x.name === 'bootstrap');
    assert.ok(admin);
    const base = (await t.api('GET', '/v1/audit')).body;
    assert.deepEqual(
      base.entries.map((e: { action: string }) => e.action),
      ['token.created', 'license.installed', 'token.created'],
      'bootstrap admin token, license, app token of the test node',
    );
    assert.equal(
      base.entries[0].actor.tokenId,
      null,
      'the bootstrap token is created by the node operator, not a token',
    );
    assert.equal(base.entries[1].actor.tokenId, admin.id);
    assert.equal(base.entries[1].actor.name, 'bootstrap');

    // Admin actions through the API.
    assert.equal((await t.api('POST', '/v1/modules/4001/leases', { holderId: 'pos-7' }, t.appToken)).status, 201);
    const key = { 'idempotency-key': 'revoke-pos-7' };
    assert.equal(
      (await t.api('POST', '/v1/modules/4001/leases/pos-7/revoke', undefined, t.adminToken, key)).status,
      200,
    );
    assert.equal(
      (await t.api('POST', '/v1/modules/4001/leases/pos-7/revoke', undefined, t.adminToken, key)).headers.get(
        'idempotent-replayed',
      ),
      'true',
    );
    assert.equal(
      (await t.api('POST', '/v1/modules/4001/leases/pos-7/revoke')).status,
      404,
      'nothing to release: refused, not audited',
    );
    assert.equal((await t.api('PUT', '/v1/modules/2001/members/reg-1', {}, t.appToken)).status, 200);
    assert.equal((await t.api('DELETE', '/v1/modules/2001/members/reg-1')).status, 200);
    const tok = await t.api('POST', '/v1/tokens', { role: 'app', name: 'till-9' });
    assert.equal((await t.api('DELETE', `/v1/tokens/${tok.body.id}`)).status, 200);
    assert.equal((await t.api('PUT', '/v1/license', { license: t.sign() })).status, 200);
    assert.equal(
      (await t.api('PUT', '/v1/license', { license: 'garbage' })).status,
      400,
      'a refused install is not audited',
    );

    // While the node runs, the CLI manages tokens through its API: audited as the admin token it used.
    // Asynchronously: the node answering the CLI runs in this very process.
    const cli = await execFileAsync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=licensor-source',
        'packages/server/src/cli/main.ts',
        'token',
        'create',
        '--role',
        'app',
        '--name',
        'from-cli',
        '--url',
        t.url,
        '--token',
        t.adminToken,
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const cliToken = JSON.parse(cli.stdout) as { id: string };

    const after = await t.api('GET', `/v1/audit?after=${base.nextCursor}`);
    assert.equal(after.status, 200);
    const entries = after.body.entries as {
      seq: number;
      at: number;
      action: string;
      target: string;
      actor: { tokenId: string | null; name: string };
      details: Record<string, unknown>;
    }[];
    assert.deepEqual(
      entries.map((e) => [e.action, e.target]),
      [
        ['lease.force_released', '4001/pos-7'],
        ['member.removed', '2001/reg-1'],
        ['token.created', tok.body.id],
        ['token.revoked', tok.body.id],
        ['license.installed', entries[4]?.target],
        ['token.created', cliToken.id],
      ],
    );
    for (const e of entries.slice(0, 6)) {
      assert.deepEqual(e.actor, { tokenId: admin.id, name: 'bootstrap' }, `${e.action}: who`);
      assert.ok(Math.abs(e.at - Date.now()) < 60_000, `${e.action}: when`);
    }
    assert.match(entries[4]!.target, /^lic_/);
    assert.deepEqual(entries[0]!.details, { moduleId: 4001, holderId: 'pos-7' });
    assert.deepEqual(entries[2]!.details, { name: 'till-9', role: 'app' });
    assert.equal(after.body.nextCursor, entries.at(-1)!.seq);

    // Cursor pagination: pages of 2 walk the whole log in order, then an empty page keeps the cursor.
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const page = await t.api('GET', `/v1/audit?after=${cursor}&limit=2`);
      assert.ok(page.body.entries.length <= 2);
      if (page.body.entries.length === 0) {
        assert.equal(page.body.nextCursor, cursor);
        break;
      }
      seen.push(...page.body.entries.map((e: { seq: number }) => e.seq));
      cursor = page.body.nextCursor;
    }
    assert.equal(seen.length, base.entries.length + entries.length);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => a - b),
    );
    assert.equal((await t.api('GET', '/v1/audit?limit=0')).status, 400);
    assert.equal((await t.api('GET', '/v1/audit', undefined, t.appToken)).status, 403);

    // Append-only at the store level: the database itself refuses to change or remove an entry.
    const db = new Database(join(t.dataDir, 'licensor.db'));
    try {
      assert.throws(() => db.prepare("UPDATE audit SET actor_name = 'someone else'").run(), /append-only/);
      assert.throws(() => db.prepare('DELETE FROM audit').run(), /append-only/);
      assert.equal((db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n, seen.length);
    } finally {
      db.close();
    }
  } finally {
    await t.close();
  }
});
