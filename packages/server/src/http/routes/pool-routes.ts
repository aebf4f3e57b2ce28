import { ModuleParams, PoolDetail, PoolDetailQuery, PoolsAnswer } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { LicenseStatus } from '../../node/node-license.js';
import type { PoolReader } from '../../node/pool-table.js';
import type { Clock } from '../../time/clock.js';
import { unwrap } from '../request-context.js';
import { holderView } from '../../views/holder-view.js';
import { memberView } from '../../views/member-view.js';
import { errors } from '../../transport/schemas.js';

/** Pool listings for administrators (dashboard, CLI). */
export function poolRoutes(app: FastifyInstance, pools: PoolReader, licensing: LicenseStatus, clock: Clock): void {
  app.get(
    '/v1/pools',
    {
      config: { roles: ['admin'] },
      schema: { summary: 'Every pool with used / quantity', tags: ['pools'], response: { 200: PoolsAnswer } },
    },
    async () => ({
      pools: pools.listPools(),
      nonProduction: licensing.nonProduction,
    }),
  );

  app.get<{ Params: { moduleId: number }; Querystring: { limit: number; cursor?: string; memberCursor?: number } }>(
    '/v1/pools/:moduleId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'One pool: holders by holder id (`cursor` → `nextCursor`), members in connection order (`memberCursor` = last position seen → `nextMemberCursor`), quota',
        tags: ['pools'],
        params: ModuleParams,
        querystring: PoolDetailQuery,
        response: { 200: PoolDetail, ...errors(404) },
      },
    },
    async (req) => {
      const { pool, summary } = unwrap(pools.poolDetail(req.params.moduleId));
      const now = clock.now();
      const { limit, cursor, memberCursor = 0 } = req.query;
      const holders = [...pool.leases.values()]
        .sort((a, b) => (a.holderId < b.holderId ? -1 : 1))
        .filter((l) => !cursor || l.holderId > cursor);
      const members = [...pool.members.values()].sort(
        (a, b) => a.firstConnectedAt - b.firstConnectedAt || a.seq - b.seq,
      );
      const pageMembers = members
        .slice(memberCursor, memberCursor + limit)
        .map((m, i) => memberView(m, memberCursor + i + 1));
      const page = holders.slice(0, limit);
      const licensed = pools.listPools().some((p) => p.moduleId === pool.module.id && p.licensed);
      return {
        summary: { ...summary, licensed },
        policy: pool.module.policy,
        holders: page.map((l) => holderView(l, now)),
        members: pageMembers,
        nextMemberCursor: memberCursor + limit < members.length ? memberCursor + limit : null,
        quota: pool.quota,
        nextCursor: holders.length > limit ? (page.at(-1)?.holderId ?? null) : null,
      };
    },
  );
}
