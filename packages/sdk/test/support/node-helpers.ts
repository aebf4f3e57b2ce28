import { setTimeout as sleep } from 'node:timers/promises';
import type { TestNode } from '../../../../test/support/test-node.js';

/** Polls until `cond` holds, failing with `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Holder ids with a live (not expired) lease in a module's pool, as the admin API lists them. */
export async function liveHolders(node: TestNode, moduleId: number): Promise<string[]> {
  const r = await node.api('GET', `/v1/pools/${moduleId}`);
  if (r.status !== 200) throw new Error(`GET /v1/pools/${moduleId} → ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.holders as { holderId: string; state: string }[])
    .filter((h) => h.state !== 'expired')
    .map((h) => h.holderId);
}
