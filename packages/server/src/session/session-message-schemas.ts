import type { SessionOp } from '@licensor/protocol';
import { type TObject, type TProperties, Type } from '@sinclair/typebox';
import {
  AcquireBody,
  HolderParams,
  LeaseId,
  MemberParams,
  MemberSyncBody,
  ModuleParams,
  OperationName,
  ProfileCheckBody,
  QuotaReportBody,
  ReleaseQuery,
} from '../transport/schemas.js';

/** The client-chosen number a session answer carries back. */
export const RequestId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** One session message: `id` and `op`, then the same fields as the HTTP route's path parameters and body. */
const message = (op: SessionOp, ...parts: TProperties[]): TObject =>
  Type.Object(Object.assign({ id: RequestId, op: Type.Literal(op) }, ...parts), { additionalProperties: false });

/** Every session message's schema, built from the HTTP routes' own schemas (schemas.ts): one schema per message. */
export const SESSION_MESSAGE_SCHEMAS: Record<SessionOp, TObject> = {
  acquire: message('acquire', ModuleParams.properties, AcquireBody.properties),
  heartbeat: message('heartbeat', {
    leases: Type.Array(
      Type.Object(
        { ...HolderParams.properties, leaseId: LeaseId, active: Type.Boolean() },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  }),
  release: message('release', HolderParams.properties, ReleaseQuery.properties),
  'member.sync': message('member.sync', MemberParams.properties, MemberSyncBody.properties),
  'quota.report': message('quota.report', ModuleParams.properties, QuotaReportBody.properties),
  'quota.check': message('quota.check', ModuleParams.properties, { operation: OperationName }),
  'profile.check': message('profile.check', ModuleParams.properties, ProfileCheckBody.properties),
  enabled: message('enabled', ModuleParams.properties),
  status: message('status'),
};
