import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { LicensorNode } from '../node/licensor-node.js';

/** Prometheus metrics of a node; pool gauges are computed at scrape time so the hot path pays nothing. */
export function createMetrics(node: LicensorNode) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'licensor_process_' });
  const events = new Counter({ name: 'licensor_events_total', help: 'Committed domain events by type', labelNames: ['type'], registers: [registry] });
  const refusals = new Counter({ name: 'licensor_refusals_total', help: 'Client operations refused, by code', labelNames: ['code'], registers: [registry] });
  new Gauge({
    name: 'licensor_pool_used',
    help: 'Slots or members in use per module',
    labelNames: ['module_id', 'module'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of node.listPools()) this.set({ module_id: String(p.moduleId), module: p.name }, p.used);
    },
  });
  new Gauge({
    name: 'licensor_pool_quantity',
    help: 'Licensed quantity per module (-1 = unlimited)',
    labelNames: ['module_id', 'module'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of node.listPools()) this.set({ module_id: String(p.moduleId), module: p.name }, p.quantity ?? -1);
    },
  });
  new Gauge({
    name: 'licensor_commit_batches_total',
    help: 'Group-commit transactions written',
    registers: [registry],
    collect() {
      this.set(node.committer.batchesCommitted);
    },
  });
  new Gauge({
    name: 'licensor_commit_operations_total',
    help: 'Operations made durable by group commit',
    registers: [registry],
    collect() {
      this.set(node.committer.operationsCommitted);
    },
  });
  node.onEvent((e) => events.inc({ type: e.type }));
  return { registry, refusals };
}
