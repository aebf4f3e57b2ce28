import { SESSION_RESULT_SCHEMAS, SessionPushSchema, SessionResponseSchema } from '@licensor/protocol/schemas';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionOp } from '@licensor/protocol';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import WebSocket from 'ws';
import type { OperationRequest } from '../packages/sdk/src/operation-request.js';
import { startTestNode } from './support/test-node.js';

const compiled = new Map<TSchema, ReturnType<typeof TypeCompiler.Compile>>();
/** Why `value` breaks `schema`, or null. */
function mismatch(schema: TSchema, value: unknown): string | null {
  const check = compiled.get(schema) ?? TypeCompiler.Compile(schema);
  compiled.set(schema, check);
  if (check.Check(value)) return null;
  const first = check.Errors(value).First();
  return `${first?.path} ${first?.message}: ${JSON.stringify(value).slice(0, 300)}`;
}

test('session contract: every answer and push the node sends keeps to the protocol schemas, for every operation', async () => {
  const t = await startTestNode({
    entitlements: [
      { moduleId: 4001, quantity: 1 },
      { moduleId: 2001, quantity: 1 },
      { moduleId: 2101, quantity: null },
      { moduleId: 3001, quantity: 1 },
    ],
  });
  const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/v1/session`, {
    headers: { authorization: `Bearer ${t.appToken}` },
  });
  const received: unknown[] = [];
  const waiting = new Map<number, (m: { ok: boolean; result?: unknown }) => void>();
  socket.on('message', (data) => {
    const parsed = JSON.parse(String(data));
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      received.push(m);
      if (typeof m.id === 'number') waiting.get(m.id)?.(m);
    }
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let next = 0;
  const ops: SessionOp[] = [];
  const send = (req: OperationRequest) => {
    const id = ++next;
    ops[id] = req.op;
    return new Promise<{ ok: boolean; result?: unknown }>((resolve) => {
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ ...req, id }));
    });
  };
  try {
    const lease = (await send({ op: 'acquire', moduleId: 4001, holderId: 'pc-1' })).result as { leaseId: string };
    await send({ op: 'acquire', moduleId: 4001, holderId: 'pc-2' });
    await send({
      op: 'heartbeat',
      leases: [
        { moduleId: 4001, holderId: 'pc-1', leaseId: lease.leaseId, active: true },
        { moduleId: 4001, holderId: 'gone', leaseId: 'lse_x', active: false },
      ],
    });
    await send({ op: 'member.sync', moduleId: 2001, memberId: 'till-1', features: [2101] });
    await send({ op: 'member.sync', moduleId: 2001, memberId: 'till-2' });
    await send({ op: 'quota.report', moduleId: 3001, count: 2 });
    await send({ op: 'quota.check', moduleId: 3001, operation: 'debit-existing-account' });
    await send({ op: 'quota.check', moduleId: 3001, operation: 'new-account' });
    await send({ op: 'profile.check', moduleId: 2001, features: [2101] });
    await send({ op: 'profile.check', moduleId: 2001, features: [2102] });
    await send({ op: 'enabled', moduleId: 4001 });
    await send({ op: 'status' });
    // Pushes: an admin takes the lease away and removes a member, which unblocks the other.
    await t.api('POST', '/v1/modules/4001/leases/pc-1/revoke');
    await t.api('DELETE', '/v1/modules/2001/members/till-1');
    await send({ op: 'release', moduleId: 4001, holderId: 'pc-1', leaseId: lease.leaseId });
    const wrong: string[] = [];
    const pushes = new Set<string>();
    for (const m of received as { id?: number; ok?: boolean; result?: unknown; push?: string }[]) {
      if (m.id === undefined) {
        pushes.add(String(m.push));
        const why = mismatch(SessionPushSchema, m);
        if (why) wrong.push(`push ${m.push}: ${why}`);
        continue;
      }
      const why = mismatch(SessionResponseSchema, m);
      if (why) wrong.push(`answer ${m.id}: ${why}`);
      const op = ops[m.id] as SessionOp;
      const result = m.ok ? mismatch(SESSION_RESULT_SCHEMAS[op], m.result) : null;
      if (result) wrong.push(`${op} result: ${result}`);
    }
    assert.deepEqual(wrong, []);
    for (const push of ['hello', 'lease.lost', 'member.state']) assert.ok(pushes.has(push), `no ${push} push seen`);
    assert.ok(
      (received as { ok?: boolean }[]).some((m) => m.ok === false),
      'no refusal seen',
    );
  } finally {
    socket.close();
    await t.close();
  }
});
