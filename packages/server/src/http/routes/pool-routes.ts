import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { LicensorNode } from '../../node/licensor-node.js';
import { unwrap } from '../request-context.js';
import { errors, ModuleParams } from '../schemas.js';
import { holderView, memberView } from '../views.js';

/** Pool listings for administrators (dashboard, CLI). */
export function poolRoutes(app: FastifyInstance, node: LicensorNode): void {
  app.get('/v1/pools', { config: { roles: ['admin'] }, schema: { summary: 'Every pool with used / quantity', tags: ['pools'], response: errors(401, 403) } }, async () => ({
    pools: node.listPools(),
    nonProduction: node.nonProduction,
  }));

  app.get<{ Params: { moduleId: number }; Querystring: { limit: number; cursor?: string } }>(
    '/v1/pools/:moduleId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'One pool: holders (by holder id), members (in order), quota; paginated by holder/member id cursor',
        tags: ['pools'],
        params: ModuleParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }), cursor: Type.Optional(Type.String({ maxLength: 200 })) }),
        response: errors(400, 401, 403, 404),
      },
    },
    async (req) => {
      const { pool, summary } = unwrap(node.poolDetail(req.params.moduleId));
      const now = node.clock.now();
      const { limit, cursor } = req.query;
      const holders = [...pool.leases.values()].sort((a, b) => (a.holderId < b.holderId ? -1 : 1)).filter((l) => !cursor || l.holderId > cursor);
      const members = [...pool.members.values()].sort((a, b) => a.firstConnectedAt - b.firstConnectedAt || a.seq - b.seq);
      const pageMembers = members.map((m, i) => memberView(m, i + 1)).filter((m) => !cursor || m.memberId > cursor);
      const page = holders.slice(0, limit);
      return {
        summary,
        holders: page.map((l) => holderView(l, now)),
        members: pageMembers.slice(0, limit),
        quota: pool.quota,
        nextCursor: holders.length > limit ? (page.at(-1)?.holderId ?? null) : null,
      };
    },
  );
}
