import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeClock, startTestNode, type TestNode } from './support/test-node.js';

const ROOT = new URL('..', import.meta.url).pathname;

/** Runs the real `licensor` CLI against a test node. */
function cli(t: TestNode, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=licensor-source',
        'packages/server/src/cli/main.ts',
        ...args,
        '--url',
        t.url,
        '--token',
        t.adminToken,
      ],
      { cwd: ROOT },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('licensor billing topup | balance | ledger, rental plan create | update, rental start, license extend', async () => {
  const clock = new FakeClock(Date.parse('2026-06-01T00:00:00Z'));
  const t = await startTestNode({ issuer: true, clock, reapIntervalMs: 60_000 });
  try {
    const opened = await cli(t, 'billing', 'account-create', '--customer', 'Cafe CLI', '--currency', 'EUR', '--json');
    assert.equal(opened.code, 0, opened.stderr);
    const acc = JSON.parse(opened.stdout).id as string;

    const [first, plan] = await Promise.all([
      cli(t, 'billing', 'topup', acc, '50.00', '--reference', 'bank-0001'),
      cli(
        t,
        'rental',
        'plan',
        'create',
        '--name',
        'Manager daily',
        '--period',
        'day',
        '--price',
        '9.90',
        '--currency',
        'EUR',
        '--module',
        '1002',
        '--module',
        '4001=2',
        '--json',
      ),
    ]);
    assert.equal(first.stdout, 'recorded 50.00 EUR (bank-0001); balance 50.00 EUR\n', first.stderr);
    assert.equal(plan.code, 0, plan.stderr);
    const planId = JSON.parse(plan.stdout).id as string;

    const [again, bad, changed] = await Promise.all([
      cli(t, 'billing', 'topup', acc, '50.00', '--reference', 'bank-0001'),
      cli(t, 'billing', 'topup', acc, '12.345', '--reference', 'bank-0002'),
      cli(t, 'rental', 'plan', 'update', planId, '--price', '10.00', '--grace-days', '1'),
    ]);
    assert.equal(again.stdout, 'duplicate: already recorded 50.00 EUR (bank-0001); balance 50.00 EUR\n');
    assert.notEqual(bad.code, 0);
    assert.equal(bad.stderr.trim().split('\n').length, 1, 'one readable line');
    assert.match(bad.stderr, /^licensor: .*amount/);
    assert.equal(changed.stdout, `${planId}  Manager daily: 10.00 EUR per day, grace 1d\n`, changed.stderr);

    const out = join(t.dataDir, 'cafe.lic');
    const started = await cli(
      t,
      'rental',
      'start',
      '--account',
      acc,
      '--plan',
      planId,
      '--hardware-key',
      'c'.repeat(64),
      '--key-source',
      'any',
      '--out',
      out,
    );
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^rnt_\S+ {2}license lic_\S+ paid until 2026-06-02T00:00:00.000Z → /);
    assert.match(readFileSync(out, 'utf8'), /BEGIN LICENSOR LICENSE/);

    const [balance, csv] = await Promise.all([
      cli(t, 'billing', 'balance', acc),
      cli(t, 'billing', 'ledger', acc, '--csv'),
    ]);
    assert.match(balance.stdout, /^40\.00 EUR {2}acc_/);
    const lines = csv.stdout.trimEnd().split('\r\n');
    assert.equal(lines[0], 'seq,id,at,kind,amount,currency,reference,rental_id,period_index,note');
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(',').slice(3, 6).join(',')),
      ['topup,5000,EUR', 'rental_charge,-1000,EUR'],
    );

    const temp = await t.api('POST', '/v1/licenses', {
      customerName: 'Cafe',
      hardwareKey: 'd'.repeat(64),
      scope: 'static',
      entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 1 }],
      until: '2026-07-01',
      keySource: 'any',
    });
    const extended = await cli(t, 'license', 'extend', temp.body.payload.id, '--until', '2026-09-01');
    assert.equal(
      extended.stdout,
      `extended ${temp.body.payload.id}: 2026-07-01T00:00:00.000Z → 2026-09-01T00:00:00.000Z\n`,
      extended.stderr,
    );
    const earlier = await cli(t, 'license', 'extend', temp.body.payload.id, '--until', '2026-08-01');
    assert.notEqual(earlier.code, 0);
    assert.match(earlier.stderr, /^licensor: VALIDATION_FAILED: until .* is not after the current end/);
  } finally {
    await t.close();
  }
});
