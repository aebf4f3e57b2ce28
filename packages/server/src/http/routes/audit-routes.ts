import { AuditAnswer, AuditQuery } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.js';

/** The append-only audit log of admin actions, with cursor pagination. */
export function auditRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { after: number; limit: number } }>(
    '/v1/audit',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Admin actions (license installed, token created/revoked, force-release, member removed) oldest first after a cursor; `nextCursor` continues',
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: AuditAnswer },
      },
    },
    async (req) => {
      const { after, limit } = req.query;
      const entries = await store.listAudit({ after, limit });
      return { entries, nextCursor: entries.at(-1)?.seq ?? after };
    },
  );
}
