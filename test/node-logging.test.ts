import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, spawnNode, tempDir } from './support/spawn-node.js';

const ROOT = new URL('../', import.meta.url).pathname;
const HARDWARE_KEY = 'c'.repeat(64);

/** Waits until `read()` matches, polling every 50 ms, for at most `ms`. */
async function waitFor(read: () => string, pattern: RegExp, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(read())) {
    if (Date.now() > until) assert.fail(`no ${pattern} in ${ms} ms:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('not on a terminal, the node logs one JSON object per line on stdout; the start-up summary stays plain text', async () => {
  const dir = tempDir();
  // A parent that is not there: the upstream link warns through the node's logger as soon as it starts.
  const parent = `http://127.0.0.1:${await freePort()}`;
  const node = await spawnNode({
    dataDir: join(dir.dir, 'node'),
    port: await freePort(),
    hardwareKey: HARDWARE_KEY,
    issuerPublicKey: 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    adminToken: 'admin-secret-for-the-logging-test',
    args: ['--log-level', 'info', '--upstream', parent, '--upstream-token', 'node-token'],
  });
  try {
    await waitFor(node.output, /upstream sync failed/);
    assert.equal(await node.stop(), 0);
    const lines = node
      .output()
      .split('\n')
      .filter((l) => l !== '');
    const entries = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(entries.length >= 2, node.output());
    for (const e of entries) {
      assert.equal(typeof e.level, 'number');
      assert.match(String(e.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(typeof e.msg, 'string');
      assert.equal(e.pid, node.child.pid, 'one process, one logger');
    }
    // Fastify logs through the same logger…
    assert.ok(
      entries.some((e) => e.level === 30 && /^Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(String(e.msg))),
      node.output(),
    );
    // …and so do the node's parts, fields first, then the message.
    const warn = entries.find((e) => e.level === 40 && String(e.msg).startsWith('upstream sync failed'));
    assert.ok(warn, node.output());
    assert.equal(warn.url, parent);
    assert.ok(lines.includes(`licensor node listening on ${node.url}`), 'the start-up summary is printed as before');
    assert.ok(
      lines.every((l) => l.startsWith('{') || !l.includes('"level"')),
      'no log line is half JSON',
    );
  } finally {
    await node.kill();
    dir.remove();
  }
});

test(
  'on a terminal, each log entry is one readable line',
  { skip: existsSync('/usr/bin/script') ? false : 'util-linux script(1) is needed for a terminal' },
  async () => {
    const dir = tempDir();
    const parent = `http://127.0.0.1:${await freePort()}`;
    const serve = [
      process.execPath,
      '--import',
      'tsx',
      '--conditions=licensor-source',
      join(ROOT, 'packages/server/src/cli/main.ts'),
      'serve',
      ...['--data-dir', join(dir.dir, 'node'), '--host', '127.0.0.1', '--port', String(await freePort())],
      ...[
        '--hardware-key',
        HARDWARE_KEY,
        '--log-level',
        'info',
        '--upstream',
        parent,
        '--upstream-token',
        'node-token',
      ],
    ];
    // script(1) runs the node on a pseudo-terminal of its own: stdout is a real TTY there.
    const child = spawn('/usr/bin/script', ['-qfec', serve.map((a) => `'${a}'`).join(' '), '/dev/null'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => out, /upstream sync failed/, 30_000);
      const lines = out.split(/\r?\n/);
      assert.ok(!lines.some((l) => l.startsWith('{')), out);
      assert.ok(
        lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} INFO {2}Server listening at http:\/\/127\.0\.0\.1:\d+$/.test(l)),
        out,
      );
      assert.ok(
        lines.some((l) =>
          /^\d\d:\d\d:\d\d\.\d{3} WARN {2}upstream sync failed: .* url=http:\/\/127\.0\.0\.1:\d+$/.test(l),
        ),
        out,
      );
      assert.ok(
        lines.some((l) => l.startsWith('licensor node listening on http://127.0.0.1:')),
        out,
      );
    } finally {
      child.kill('SIGTERM');
      await exited;
      dir.remove();
    }
  },
);
