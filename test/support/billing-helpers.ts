import assert from 'node:assert/strict';
import type { TestNode } from './test-node.js';

/** One day in milliseconds. */
export const DAY = 86_400_000;

/** Opens a billing account for a customer; returns its id. */
export async function account(t: TestNode, currency = 'EUR'): Promise<string> {
  const r = await t.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Pushkin', currency });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

/** Records a top-up (payment reference makes it idempotent). */
export async function topUp(t: TestNode, id: string, amount: number, reference: string) {
  return t.api('POST', `/v1/billing/accounts/${id}/topups`, { amount, currency: 'EUR', reference });
}

/** Creates a daily Manager rental plan (overridable); returns its id. */
export async function plan(t: TestNode, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await t.api('POST', '/v1/rental-plans', {
    name: 'Manager daily',
    period: 'day',
    price: 1000,
    currency: 'EUR',
    entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 2 }],
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

/** An account's balance in minor units. */
export const balance = async (t: TestNode, id: string) =>
  (await t.api('GET', `/v1/billing/accounts/${id}`)).body.balance as number;

/** Takes a Manager (4001) slot with the app token. */
export const acquire = (t: TestNode, holderId: string) =>
  t.api('POST', '/v1/modules/4001/leases', { holderId }, t.appToken);
