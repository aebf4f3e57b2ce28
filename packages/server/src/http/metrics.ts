import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { EventSubscriptions } from '../node/event-feed.js';
import type { GroupCommitter } from '../node/group-committer.js';
import type { PoolReader } from '../node/pool-table.js';

/** Prometheus metrics of a node; pool gauges are computed at scrape time so the hot path pays nothing. */
export function createMetrics(pools: PoolReader, feed: EventSubscriptions, committer: GroupCommitter) {
  const registry = new Registry();
  // prom-client's names already say what they measure (`process_cpu_…`, `nodejs_heap_…`): the prefix only adds ours.
  collectDefaultMetrics({ register: registry, prefix: 'licensor_' });
  const events: Counter<'type'> = new Counter({
    name: 'licensor_events_total',
    help: 'Committed domain events by type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      flushEvents();
    },
  });
  const refusals = new Counter({
    name: 'licensor_refusals_total',
    help: 'Client operations refused, by code',
    labelNames: ['code'],
    registers: [registry],
  });
  new Gauge({
    name: 'licensor_pool_used',
    help: 'Slots or members in use per module',
    labelNames: ['module_id', 'module'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools.listPools()) this.set({ module_id: String(p.moduleId), module: p.name }, p.used);
    },
  });
  new Gauge({
    name: 'licensor_pool_quantity',
    help: 'Licensed quantity per module (-1 = unlimited)',
    labelNames: ['module_id', 'module'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of pools.listPools()) this.set({ module_id: String(p.moduleId), module: p.name }, p.quantity ?? -1);
    },
  });
  // Counters (they only grow) kept by the committer: a scrape copies them, the hot path counts in plain fields.
  new Counter({
    name: 'licensor_commit_batches_total',
    help: 'Group-commit transactions written',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(committer.batchesCommitted);
    },
  });
  new Counter({
    name: 'licensor_commit_operations_total',
    help: 'Operations made durable by group commit',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(committer.operationsCommitted);
    },
  });
  // Counted in a plain map on the hot path; the labelled counter is brought up to date when Prometheus scrapes.
  const pending = new Map<string, number>();
  feed.onEvent((e) => {
    pending.set(e.type, (pending.get(e.type) ?? 0) + 1);
  });
  const flushEvents = () => {
    for (const [type, n] of pending) events.inc({ type }, n);
    pending.clear();
  };
  return { registry, refusals };
}
