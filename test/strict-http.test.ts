import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { isErrorCode } from '@licensor/protocol';
import WebSocket from 'ws';
import { openRawSession } from './support/raw-session.js';
import { startTestNode, type TestNode } from './support/test-node.js';

/** Sends raw bytes on a new connection; resolves with what came back once the node closes it (or after `waitMs`). */
function raw(
  t: TestNode,
  bytes: string | Buffer,
  waitMs = 5000,
): Promise<{ text: string; closedByNode: boolean; ms: number }> {
  const { hostname, port } = new URL(t.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByNode: false, ms: performance.now() - started });
    }, waitMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByNode: true, ms: performance.now() - started });
    });
    socket.on('connect', () => socket.write(bytes));
    socket.once('error', reject);
  });
}

/** The status, headers and problem of a raw HTTP answer. */
function parseAnswer(text: string): {
  status: number;
  headers: Record<string, string>;
  problem: { code: string; status: number; detail: string };
} {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return { status: Number(statusLine.split(' ')[1]), headers, problem: JSON.parse(body) };
}

function assertProblem(text: string, status: number, code: string, label: string): void {
  const a = parseAnswer(text);
  assert.equal(a.status, status, `${label}: ${text.slice(0, 300)}`);
  assert.match(a.headers['content-type'] ?? '', /^application\/problem\+json/, label);
  assert.equal(a.problem.code, code, label);
  assert.equal(a.problem.status, status, label);
  assert.ok(isErrorCode(a.problem.code), label);
}

test('answers from below the routes are problem+json with a code: parser errors, 431, 404, 405, 415, bad JSON', async () => {
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 3 }],
    flags: { rateLimitPerSecond: '0' },
  });
  try {
    const auth = `Authorization: Bearer ${t.appToken}\r\n`;
    const cases: [string, string | Buffer, number, string][] = [
      [
        'raw non-UTF-8 bytes in the path',
        Buffer.concat([
          Buffer.from('GET /v1/pools/'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from(` HTTP/1.1\r\nHost: x\r\n${auth}\r\n`),
        ]),
        400,
        'REQUEST_MALFORMED',
      ],
      [
        'a control character in a header',
        `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n${auth}\r\n`,
        400,
        'REQUEST_MALFORMED',
      ],
      [
        'a Content-Length that is not a number',
        `POST /v1/modules/4001/leases HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
        400,
        'REQUEST_MALFORMED',
      ],
      [
        'a doubled Content-Length',
        `POST /v1/modules/4001/leases HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
        400,
        'REQUEST_MALFORMED',
      ],
      [
        'a 20 KiB header',
        `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n${auth}\r\n`,
        431,
        'HEADERS_TOO_LARGE',
      ],
      ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, 'REQUEST_MALFORMED'],
      [
        'a path that is not valid percent-encoding',
        `GET /v1/pools/%zz HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`,
        400,
        'VALIDATION_FAILED',
      ],
    ];
    for (const [label, bytes, status, code] of cases) assertProblem((await raw(t, bytes)).text, status, code, label);

    const api = (method: string, path: string, body?: string, contentType = 'application/json') =>
      fetch(`${t.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${t.adminToken}`,
          ...(body !== undefined ? { 'content-type': contentType } : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
    const expect = async (res: Response, status: number, code: string) => {
      assert.equal(res.status, status, `${res.url}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const p = (await res.json()) as { code: string; status: number };
      assert.deepEqual([p.code, p.status], [code, status]);
      return res;
    };
    await expect(await api('GET', '/v1/nope'), 404, 'NOT_FOUND');
    await expect(await api('POST', '/v1/nope', '{}'), 404, 'NOT_FOUND');
    const wrongMethod = await expect(await api('GET', '/v1/modules/4001/leases'), 405, 'METHOD_NOT_ALLOWED');
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const patch = await expect(await api('PATCH', '/v1/tokens', '{}'), 405, 'METHOD_NOT_ALLOWED');
    assert.match(patch.headers.get('allow') ?? '', /GET.*POST/);
    await expect(
      await api('POST', '/v1/modules/4001/leases', 'holderId=pos-1', 'application/x-www-form-urlencoded'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expect(await api('POST', '/v1/modules/4001/leases', '{"holderId":'), 400, 'VALIDATION_FAILED');
    await expect(await api('POST', '/v1/modules/4001/leases', ''), 400, 'VALIDATION_FAILED');
    assert.equal((await t.api('GET', '/v1/pools/4001')).body.summary.used, 0, 'nothing was acquired');
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  } finally {
    await t.close();
  }
});

test('timeouts: a body trickled a byte at a time, slow headers and idle keep-alive connections are cut; other clients are served meanwhile', async () => {
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 3 }],
    flags: { rateLimitPerSecond: '0', requestTimeoutMs: '1500', headersTimeoutMs: '1000', keepAliveTimeoutMs: '500' },
  });
  try {
    const { hostname, port } = new URL(t.url);
    // 20 clients each trickle a byte of a 100-byte body every 300 ms: all are cut with 408 within the request timeout
    // (plus the sweep), while a normal client is served the whole time.
    const tricklers = Array.from(
      { length: 20 },
      () =>
        new Promise<{ text: string; ms: number }>((resolve) => {
          const started = performance.now();
          const socket = net.connect({ host: hostname, port: Number(port) });
          let text = '';
          socket.on('data', (c) => {
            text += c.toString('latin1');
          });
          socket.on('error', () => {});
          socket.write(
            `POST /v1/modules/4001/leases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.appToken}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
          );
          const drip = setInterval(() => socket.writable && socket.write(' '), 300);
          socket.on('close', () => {
            clearInterval(drip);
            resolve({ text, ms: performance.now() - started });
          });
          setTimeout(() => socket.destroy(), 10_000).unref();
        }),
    );
    const served: number[] = [];
    const start = performance.now();
    while (performance.now() - start < 2000) {
      const r = await fetch(`${t.url}/v1/status`, { headers: { authorization: `Bearer ${t.appToken}` } });
      served.push(r.status);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cut = await Promise.all(tricklers);
    for (const c of cut) {
      assert.ok(c.ms < 4000, `a trickling client was cut after ${Math.round(c.ms)} ms`);
      assertProblem(c.text, 408, 'REQUEST_TIMEOUT', 'trickled body');
    }
    assert.ok(
      served.length >= 10 && served.every((s) => s === 200),
      `others were served meanwhile: ${served.join(',')}`,
    );

    // Headers that never finish.
    const slowHeaders = await raw(t, 'GET /v1/status HTTP/1.1\r\nHost: x\r\n', 6000);
    assert.ok(
      slowHeaders.closedByNode && slowHeaders.ms < 4000,
      `slow headers cut after ${Math.round(slowHeaders.ms)} ms`,
    );
    assertProblem(slowHeaders.text, 408, 'REQUEST_TIMEOUT', 'slow headers');

    // An idle keep-alive connection is closed after its answer.
    const idle = await raw(t, `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, 6000);
    assert.ok(idle.closedByNode, 'the node closed the idle keep-alive connection');
    assert.match(idle.text, /^HTTP\/1.1 200/);
    assert.ok(idle.ms < 3000, `idle connection closed after ${Math.round(idle.ms)} ms`);
  } finally {
    await t.close();
  }
});

test('caps: connections per IP, sessions per IP and per token; beyond them 429 CONNECTION_LIMIT, and room frees as they close', async () => {
  const t = await startTestNode({
    entitlements: [{ moduleId: 4001, quantity: 3 }],
    flags: {
      rateLimitPerSecond: '0',
      maxConnectionsPerIp: '6',
      maxSessionsPerToken: '2',
      maxSessionsPerIp: '3',
      headersTimeoutMs: '20000',
      requestTimeoutMs: '20000',
    },
  });
  const sockets: net.Socket[] = [];
  try {
    const { hostname, port } = new URL(t.url);
    // Sessions per token: the third with the same token is refused at the upgrade.
    const a = await openRawSession(t.url, t.appToken);
    const b = await openRawSession(t.url, t.appToken);
    const refusedStatus = (token: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${t.url.replace('http', 'ws')}/v1/session`, {
          headers: { authorization: `Bearer ${token}` },
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    assert.equal(await refusedStatus(t.appToken), 429);
    // Sessions per IP: a third session with another token still fits, a fourth does not.
    const other = (await t.api('POST', '/v1/tokens', { role: 'app', name: 'other' })).body.secret as string;
    const c = await openRawSession(t.url, other);
    assert.equal(await refusedStatus(other), 429);
    a.close();
    await a.closed;
    await new Promise((r) => setTimeout(r, 100));
    const d = await openRawSession(t.url, t.appToken);
    assert.equal((await d.request({ id: 1, op: 'status' })).ok, true, 'a closed session frees its place');
    for (const s of [b, c, d]) s.close();
    await Promise.all([b.closed, c.closed, d.closed]);

    // Connections per IP: idle connections fill the IP's share; the next one is answered 429 and closed.
    for (let i = 0; i < 6; i++) {
      const s = net.connect({ host: hostname, port: Number(port) });
      s.on('error', () => {});
      await new Promise((r) => s.once('connect', r));
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const over = await raw(t, `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    assertProblem(over.text, 429, 'CONNECTION_LIMIT', 'connection over the per-IP cap');
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200, 'served again once connections closed');
  } finally {
    for (const s of sockets) s.destroy();
    await t.close();
  }
});

test('revoking a token closes its idle SDK sessions and event streams within seconds', async () => {
  const t = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 3 }] });
  try {
    const app = (await t.api('POST', '/v1/tokens', { role: 'app', name: 'leaked app' })).body;
    const admin = (await t.api('POST', '/v1/tokens', { role: 'admin', name: 'leaked admin' })).body;
    const session = await openRawSession(t.url, app.secret);
    assert.equal((await session.request({ id: 1, op: 'status' })).ok, true);
    const controller = new AbortController();
    const stream = await fetch(`${t.url}/v1/events/stream`, {
      headers: { authorization: `Bearer ${admin.secret}` },
      signal: controller.signal,
    });
    assert.equal(stream.status, 200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const streamEnded = (async () => {
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += Buffer.from(value).toString('utf8');
      }
    })();

    const revokedAt = performance.now();
    assert.equal((await t.api('DELETE', `/v1/tokens/${app.id}`)).status, 200);
    assert.equal((await t.api('DELETE', `/v1/tokens/${admin.id}`)).status, 200);
    // Neither client says anything: the node closes both on its own.
    assert.equal(await session.closed, 4401);
    const text = await streamEnded;
    const ms = performance.now() - revokedAt;
    assert.match(text, /event: error\ndata: .*UNAUTHENTICATED/);
    assert.ok(ms < 5000, `closed ${Math.round(ms)} ms after the revocation`);
  } finally {
    await t.close();
  }
});
