import {
  EnabledAnswer,
  MemberParams,
  MemberSyncAnswer,
  MemberSyncBody,
  ModuleParams,
  OperationAnswer,
  OperationParams,
  ProfileCheckAnswer,
  ProfileCheckBody,
  QuotaAnswer,
  QuotaReportBody,
  RemoveMemberAnswer,
} from '@licensor/protocol/schemas';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AdmissionApi } from '../../node/pool-ops.js';
import type { NodeLicense } from '../../node/node-license.js';
import type { Clock } from '../../time/clock.js';
import { memberSyncView } from '../../node/member-sync-view.js';
import { opContext } from '../idempotency.js';
import { auditActor, send, unwrap } from '../request-context.js';
import { emptyBodyAsObject, errors } from '../../transport/schemas.js';

type MemberP = { moduleId: number; memberId: string };

/** Member (BLOCK_LATEST), quota (DEGRADE), feature profile and enabled-check routes. */
export function memberRoutes(
  app: FastifyInstance,
  admission: AdmissionApi,
  licensing: NodeLicense,
  clock: Clock,
): void {
  const appRole = { roles: ['app', 'admin'] as ('app' | 'admin')[] };

  app.put<{ Params: MemberP; Body: { features?: number[] } | undefined }>(
    '/v1/modules/:moduleId/members/:memberId',
    {
      preValidation: emptyBodyAsObject,
      config: appRole,
      schema: {
        summary:
          'Connect or sync a member (a cash register, a subordinate server); members beyond the quantity are blocked, latest first',
        tags: ['members'],
        params: MemberParams,
        body: Type.Optional(MemberSyncBody),
        response: { 200: MemberSyncAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) => {
      const { moduleId, memberId } = req.params;
      const features = req.body?.features;
      type R = { member: import('@licensor/core').Member; position: number; quantity: number | null };
      const view = (v: R) => memberSyncView(licensing, moduleId, v);
      const outcome = await admission.syncMember(
        moduleId,
        memberId,
        features,
        opContext(clock, req, () => 200, view),
      );
      return send(reply, outcome, 200, view);
    },
  );

  app.delete<{ Params: MemberP }>(
    '/v1/modules/:moduleId/members/:memberId',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: 'Remove a member; blocked members unblock in order',
        tags: ['members'],
        params: MemberParams,
        response: { 200: RemoveMemberAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) =>
      send(
        reply,
        await admission.removeMember(req.params.moduleId, req.params.memberId, {
          ...opContext(
            clock,
            req,
            () => 200,
            (v) => v,
          ),
          actor: auditActor(req),
        }),
      ),
  );

  app.put<{ Params: { moduleId: number }; Body: { count: number } }>(
    '/v1/modules/:moduleId/quota',
    {
      config: appRole,
      schema: {
        summary: 'Report the counted quantity of a DEGRADE module (e.g. clients with non-standard accounts)',
        tags: ['quotas'],
        params: ModuleParams,
        body: QuotaReportBody,
        response: { 200: QuotaAnswer, ...errors(404, 409) },
      },
    },
    async (req, reply) =>
      send(
        reply,
        await admission.reportQuota(
          req.params.moduleId,
          req.body.count,
          opContext(
            clock,
            req,
            () => 200,
            (v) => v,
          ),
        ),
      ),
  );

  app.get<{ Params: { moduleId: number; operation: string } }>(
    '/v1/modules/:moduleId/quota/operations/:operation',
    {
      config: appRole,
      schema: {
        summary: 'Is an operation allowed in the current quota state (409 QUOTA_EXCEEDED when refused)',
        tags: ['quotas'],
        params: OperationParams,
        response: { 200: OperationAnswer, ...errors(404, 409) },
      },
    },
    async (req) => {
      unwrap(admission.checkOperation(req.params.moduleId, req.params.operation));
      return { allowed: true as const };
    },
  );

  app.post<{ Params: { moduleId: number }; Body: { features: number[] } }>(
    '/v1/modules/:moduleId/profile-check',
    {
      config: appRole,
      schema: {
        summary:
          "Check a profile's add-on features against the license (409 FEATURE_NOT_LICENSED lists the missing ones)",
        tags: ['members'],
        params: ModuleParams,
        body: ProfileCheckBody,
        response: { 200: ProfileCheckAnswer, ...errors(404, 409) },
      },
    },
    async (req) => unwrap(admission.checkProfile(req.params.moduleId, req.body.features)),
  );

  app.get<{ Params: { moduleId: number } }>(
    '/v1/modules/:moduleId/enabled',
    {
      config: appRole,
      schema: {
        summary: 'Is the module licensed on this node',
        tags: ['modules'],
        params: ModuleParams,
        response: { 200: EnabledAnswer, ...errors(404) },
      },
    },
    async (req) => unwrap(admission.isEnabled(req.params.moduleId)),
  );
}
