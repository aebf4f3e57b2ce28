import {
  AcquireBody,
  HeartbeatAnswer,
  HeartbeatBody,
  HolderParams,
  LeaseView,
  ModuleParams,
  ReleaseAnswer,
  ReleaseQuery,
} from '@licensor/protocol/schemas';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdmissionApi } from '../../node/pool-ops.js';
import type { NodeLicense } from '../../node/node-license.js';
import type { Clock } from '../../time/clock.js';
import { opContext } from '../idempotency.js';
import { actor, auditActor, send } from '../request-context.js';
import { leaseView } from '../../views/lease-view.js';
import { emptyBodyAsObject, errors } from '../../transport/schemas.js';

type HolderP = { moduleId: number; holderId: string };

/** Slot routes: acquire, heartbeat, release, admin force-release. */
export function leaseRoutes(app: FastifyInstance, admission: AdmissionApi, licensing: NodeLicense, clock: Clock): void {
  const ttl = (moduleId: number) => licensing.catalog.modules.get(moduleId)?.heartbeatTtlSeconds ?? 60;
  const app_ = { roles: ['app', 'admin'] as ('app' | 'admin')[] };

  app.post<{ Params: { moduleId: number }; Body: { holderId: string } }>(
    '/v1/modules/:moduleId/leases',
    {
      config: app_,
      schema: {
        summary: 'Acquire a slot (idempotent per holder: the same device re-takes its own slot)',
        tags: ['slots'],
        params: ModuleParams,
        body: AcquireBody,
        response: { 200: LeaseView, 201: LeaseView, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const { moduleId } = req.params;
      type R = { lease: import('@licensor/core').Lease; reacquired: boolean };
      const view = (v: R) => leaseView(v.lease, ttl(moduleId), v.reacquired, licensing.nonProduction);
      const status = (v: R) => (v.reacquired ? 200 : 201);
      const outcome = await admission.acquire(moduleId, req.body.holderId, null, opContext(clock, req, status, view));
      return send(reply, outcome, outcome.ok ? status(outcome.value) : 200, view);
    },
  );

  app.post<{ Params: HolderP; Body: { leaseId?: string; active?: boolean } | undefined }>(
    '/v1/modules/:moduleId/leases/:holderId/heartbeat',
    {
      preValidation: emptyBodyAsObject,
      config: app_,
      schema: {
        summary: 'Keep a lease alive; `active: false` when no user activity happened since the last one',
        tags: ['slots'],
        params: HolderParams,
        body: Type.Optional(HeartbeatBody),
        response: { 200: HeartbeatAnswer, ...errors(404, 409, 410) },
      },
    },
    async (req, reply) => {
      // The non-production flag rides on every heartbeat, so a client without a session learns of a swapped license.
      const view = (l: import('@licensor/core').Lease) => ({
        expiresAt: l.expiresAt,
        nonProduction: licensing.nonProduction,
      });
      const outcome = await admission.heartbeat(
        req.params.moduleId,
        req.params.holderId,
        req.body?.leaseId,
        req.body?.active ?? true,
        opContext(clock, req, () => 200, view),
      );
      return send(reply, outcome, 200, view);
    },
  );

  app.delete<{ Params: HolderP; Querystring: { leaseId?: string } }>(
    '/v1/modules/:moduleId/leases/:holderId',
    {
      config: app_,
      schema: {
        summary: 'Release a slot (idempotent)',
        tags: ['slots'],
        params: HolderParams,
        querystring: ReleaseQuery,
        response: { 200: ReleaseAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const outcome = await admission.release(
        req.params.moduleId,
        req.params.holderId,
        req.query.leaseId,
        opContext(
          clock,
          req,
          () => 200,
          (v) => v,
        ),
      );
      return send(reply, outcome);
    },
  );

  app.post<{ Params: HolderP }>(
    '/v1/modules/:moduleId/leases/:holderId/revoke',
    {
      config: { roles: ['admin'] },
      schema: {
        summary:
          "Force-release a holder's slot (admin); the holder learns it at once over its session or on its next heartbeat",
        tags: ['slots'],
        params: HolderParams,
        response: { 200: ReleaseAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const ctx = {
        ...opContext(
          clock,
          req,
          () => 200,
          (v) => v,
        ),
        actor: auditActor(req),
      };
      const outcome = await admission.forceRelease(req.params.moduleId, req.params.holderId, actor(req), ctx);
      return send(reply, outcome);
    },
  );
}
