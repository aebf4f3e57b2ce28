import { UsageAnswer, UsageQuery } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { NodeLicense } from '../../node/node-license.js';
import type { PoolReader } from '../../node/pool-table.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../time/clock.js';
import type { UsageSample } from '../../store/usage-store.js';
import { downsampleSamples, peakSample } from '../../usage/downsample-samples.js';
import type { UsageSamplerOptions } from '../../usage/usage-sampler.js';
import { HttpFailure } from '../../transport/error-mapping.js';
import { errors } from '../../transport/schemas.js';

/** More samples than this in one answer are not read (a 30-day window of one-minute samples is 43,200 per module). */
const MAX_ROWS = 500_000;

/** Usage over time per module, from the samples the node records (dashboard charts). */
export function usageRoutes(
  app: FastifyInstance,
  node: { pools: PoolReader; licensing: NodeLicense; store: Store; clock: Clock },
  sampling: UsageSamplerOptions,
): void {
  app.get<{ Querystring: { moduleId?: number; from?: number; to?: number; points: number } }>(
    '/v1/usage',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Concurrent use per module over time: samples in `[from, to]` (epoch ms; default the last 24 h), at most `points` per module keeping peaks, and the peak',
        tags: ['pools'],
        querystring: UsageQuery,
        response: { 200: UsageAnswer, ...errors(404) },
      },
    },
    async (req) => {
      const { moduleId, points } = req.query;
      const to = req.query.to ?? node.clock.now();
      const from = req.query.from ?? to - 86_400_000;
      if (from > to)
        throw new HttpFailure({
          code: 'VALIDATION_FAILED',
          message: 'querystring.from must not be later than querystring.to',
          field: 'querystring.from',
        });
      if (moduleId !== undefined && !node.licensing.catalog.modules.has(moduleId))
        throw new HttpFailure({
          code: 'MODULE_UNKNOWN',
          message: `module ${moduleId} is not in this node's catalog`,
          field: 'moduleId',
        });
      const rows = await node.store.usage.list({
        ...(moduleId !== undefined ? { moduleId } : {}),
        from,
        to,
        limit: MAX_ROWS,
      });
      const byModule = new Map<number, UsageSample[]>();
      for (const p of node.pools.listPools())
        if (p.licensed && (moduleId === undefined || p.moduleId === moduleId)) byModule.set(p.moduleId, []);
      for (const r of rows) {
        const list = byModule.get(r.moduleId);
        if (list) list.push(r);
        else byModule.set(r.moduleId, [r]);
      }
      const current = new Map(node.pools.listPools().map((p) => [p.moduleId, p.quantity]));
      const modules = [...byModule.entries()]
        .sort(([a], [b]) => a - b)
        .map(([id, samples]) => {
          const peak = peakSample(samples);
          return {
            moduleId: id,
            name: node.licensing.catalog.modules.get(id)?.name ?? String(id),
            quantity: current.get(id) ?? samples.at(-1)?.quantity ?? null,
            peak: peak ? { at: peak.at, used: peak.used, quantity: peak.quantity } : null,
            samples: downsampleSamples(samples, from, to, points).map((s) => ({
              at: s.at,
              used: s.used,
              quantity: s.quantity,
              blocked: s.blocked,
            })),
          };
        });
      return {
        intervalMs: sampling.intervalMs,
        retentionMs: sampling.retentionMs,
        from,
        to,
        truncated: rows.length >= MAX_ROWS,
        modules,
      };
    },
  );
}
