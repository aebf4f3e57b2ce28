import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signWebhookBody, verifyWebhookSignature, WEBHOOK_SIGNATURE_TOLERANCE_MS } from '@licensor/protocol';

const SECRET = 'whsec_test-secret';
const AT = Date.parse('2026-07-01T00:00:00Z');
const BODY = '{"id":"evt_1","type":"license.renewed","data":{"note":"café"}}';

test('webhook signature: the documented format, verified from the string or the raw bytes', () => {
  const header = signWebhookBody(SECRET, BODY, AT + 999);
  const t = AT / 1000;
  const v1 = createHmac('sha256', SECRET).update(`${t}.${BODY}`).digest('hex');
  assert.equal(header, `t=${t},v1=${v1}`, 't is whole seconds; v1 is the hex HMAC-SHA256 of "<t>.<body>"');
  assert.equal(verifyWebhookSignature(header, BODY, SECRET, { now: AT }), true);
  assert.equal(
    verifyWebhookSignature(header, Buffer.from(BODY, 'utf8'), SECRET, { now: AT }),
    true,
    'raw bytes (non-ASCII included)',
  );
  assert.equal(
    verifyWebhookSignature([header], BODY, SECRET, { now: AT }),
    true,
    'a header as a list, as node types it',
  );
  assert.equal(
    verifyWebhookSignature(`t=${t}, v1=${'0'.repeat(64)}, v1=${v1}`, BODY, SECRET, { now: AT }),
    true,
    'any one v1 matching',
  );
});

test('webhook signature: a changed body, another secret, a replay or a malformed header do not verify', () => {
  const header = signWebhookBody(SECRET, BODY, AT);
  assert.equal(verifyWebhookSignature(header, BODY.replace('renewed', 'lapsed'), SECRET, { now: AT }), false);
  assert.equal(
    verifyWebhookSignature(header, `${BODY}\n`, SECRET, { now: AT }),
    false,
    'a re-serialized body does not',
  );
  assert.equal(verifyWebhookSignature(header, BODY, 'whsec_another', { now: AT }), false);
  assert.equal(
    verifyWebhookSignature(header, BODY, SECRET, { now: AT + WEBHOOK_SIGNATURE_TOLERANCE_MS }),
    true,
    'at the tolerance',
  );
  assert.equal(
    verifyWebhookSignature(header, BODY, SECRET, { now: AT + WEBHOOK_SIGNATURE_TOLERANCE_MS + 1 }),
    false,
    'a replay',
  );
  assert.equal(
    verifyWebhookSignature(header, BODY, SECRET, { now: AT - WEBHOOK_SIGNATURE_TOLERANCE_MS - 1 }),
    false,
    'from the future',
  );
  assert.equal(
    verifyWebhookSignature(header, BODY, SECRET, { now: AT + 60_000, toleranceMs: 30_000 }),
    false,
    'a tighter tolerance',
  );
  const v1 = header.split('v1=')[1];
  for (const bad of [
    undefined,
    '',
    'garbage',
    `v1=${v1}`,
    `t=${AT / 1000}`,
    `t=abc,v1=${v1}`,
    `t=${AT / 1000},v1=${v1?.toUpperCase()}`,
    `t=${AT / 1000},v1=${v1?.slice(2)}`,
  ]) {
    assert.equal(verifyWebhookSignature(bad, BODY, SECRET, { now: AT }), false, String(bad));
  }
  assert.throws(
    () => verifyWebhookSignature(header, BODY, '', { now: AT }),
    TypeError,
    'an empty secret is a misconfiguration',
  );
});
