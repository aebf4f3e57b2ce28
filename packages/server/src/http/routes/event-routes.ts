import { EventsAnswer, EventsQuery } from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.js';

/** The events feed with cursor pagination. */
export function eventRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: { after: number; limit: number; type?: string; moduleId?: number } }>(
    '/v1/events',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Events oldest first after a cursor; `nextCursor` continues the feed',
        tags: ['events'],
        querystring: EventsQuery,
        response: { 200: EventsAnswer },
      },
    },
    async (req) => {
      const { after, limit, type, moduleId } = req.query;
      const types = type
        ? type
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean)
        : undefined;
      const events = await store.listEvents({
        after,
        limit,
        ...(types ? { types } : {}),
        ...(moduleId ? { moduleId } : {}),
      });
      return { events, nextCursor: events.at(-1)?.seq ?? after };
    },
  );
}
