import {
  DeliveriesAnswer,
  DeliveriesQuery,
  IdParams,
  WebhookCreateBody,
  WebhookCreated,
  WebhookDeleted,
  WebhooksAnswer,
  WebhookView,
} from '@licensor/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import type { DeliveryStatus } from '../../store/webhook-store.js';
import type { WebhookService } from '../../webhook/webhook-service.js';
import { auditActor, unwrap } from '../request-context.js';
import { errors } from '../../transport/schemas.js';

/** Webhook endpoints (admin only): register, list, remove, and read the delivery log. */
export function webhookRoutes(app: FastifyInstance, webhooks: WebhookService): void {
  const tags = ['webhooks'];

  app.post<{ Body: Record<string, unknown> }>(
    '/v1/webhooks',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'Register a webhook: events are POSTed to `url` signed with HMAC-SHA256; the secret is in this answer only',
        tags,
        // Field checks live in the service, so a bad URL gets WEBHOOK_URL_INVALID and every message names its field.
        body: WebhookCreateBody,
        response: { 201: WebhookCreated },
      },
    },
    async (req, reply) => {
      const w = unwrap(await webhooks.create(req.body, auditActor(req)));
      reply.code(201);
      return w;
    },
  );

  app.get(
    '/v1/webhooks',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Every webhook with its delivery counts (never its secret)',
        tags,
        response: { 200: WebhooksAnswer },
      },
    },
    async () => ({
      webhooks: await webhooks.list(),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/v1/webhooks/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'One webhook with its delivery counts',
        tags,
        params: IdParams,
        response: { 200: WebhookView, ...errors(404) },
      },
    },
    async (req) => unwrap(await webhooks.get(req.params.id)),
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/webhooks/:id',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Remove a webhook, its pending deliveries and its delivery log',
        tags,
        params: IdParams,
        response: { 200: WebhookDeleted, ...errors(404) },
      },
    },
    async (req) => unwrap(await webhooks.remove(req.params.id, auditActor(req))),
  );

  app.get<{ Params: { id: string }; Querystring: { before?: number; limit: number; status?: DeliveryStatus } }>(
    '/v1/webhooks/:id/deliveries',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          'The delivery log, newest first: per event its status and every attempt (status code, error, next retry)',
        tags,
        params: IdParams,
        querystring: DeliveriesQuery,
        response: { 200: DeliveriesAnswer, ...errors(404) },
      },
    },
    async (req) => unwrap(await webhooks.deliveries(req.params.id, req.query)),
  );
}
