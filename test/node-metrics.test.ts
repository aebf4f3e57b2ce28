import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startTestNode } from './support/test-node.js';

const DEPLOYMENT_DOC = new URL('../docs/deployment.md', import.meta.url);

/** The metric families of a Prometheus text answer: name → type. */
function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1] as string, m[2] as string);
  return out;
}

test("/metrics: every name starts with licensor_ once, and the node's own metrics are the ones documented", async () => {
  const n = await startTestNode({ entitlements: [{ moduleId: 4001, quantity: 2 }] });
  try {
    assert.equal((await n.api('POST', '/v1/modules/4001/leases', { holderId: 'pc-1' }, n.appToken)).status, 201);
    const res = await fetch(`${n.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const names = families(text);
    assert.ok(names.size > 10, text);
    for (const name of names.keys()) {
      assert.match(name, /^licensor_[a-z0-9_]+$/);
      assert.doesNotMatch(name, /^licensor_(process|nodejs)_(process|nodejs)_/, `${name} has a doubled prefix`);
    }
    // prom-client's process and runtime metrics, under our prefix once.
    for (const name of [
      'licensor_process_cpu_seconds_total',
      'licensor_process_resident_memory_bytes',
      'licensor_nodejs_eventloop_lag_seconds',
      'licensor_nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(names.has(name), `${name} missing from:\n${[...names.keys()].join('\n')}`);
    }
    // The node's own metrics: exactly the table in docs/deployment.md, with the types it gives.
    const documented = new Map(
      [...readFileSync(DEPLOYMENT_DOC, 'utf8').matchAll(/^\| `(licensor_[a-z0-9_]+)` \| (counter|gauge) \|/gm)].map(
        (m) => [m[1] as string, m[2] as string],
      ),
    );
    const own = new Map([...names].filter(([name]) => !/^licensor_(process|nodejs)_/.test(name)));
    assert.deepEqual(own, documented);
    for (const [name, type] of own)
      if (name.endsWith('_total')) assert.equal(type, 'counter', `${name} ends in _total but is a ${type}`);
    assert.match(text, /^licensor_pool_used\{module_id="4001",module="[^"]+"\} 1$/m);
    assert.match(text, /^licensor_events_total\{type="slot\.acquired"\} 1$/m);
    assert.match(text, /^licensor_commit_operations_total [1-9]\d*$/m);
  } finally {
    await n.close();
  }
});
