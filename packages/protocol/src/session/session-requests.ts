import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import { closed, HolderParams, LeaseId, MemberParams, ModuleParams, OperationName } from '../api/common.js';
import { AcquireBody, ReleaseQuery } from '../api/leases.js';
import { MemberSyncBody, ProfileCheckBody } from '../api/members.js';
import { QuotaReportBody } from '../api/quotas.js';

/** The client-chosen number a session answer carries back. */
export const RequestId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** One session message: `id` and `op`, then the same fields as the HTTP route's path parameters and body. */
const message = <Op extends string, P extends TProperties>(op: Op, parts: P) =>
  Type.Object({ id: RequestId, op: Type.Literal(op), ...parts }, closed);

/** A lease in a batched heartbeat. */
export const HeartbeatLease = Type.Object(
  { ...HolderParams.properties, leaseId: LeaseId, active: Type.Boolean() },
  closed,
);

/**
 * Every session request's schema, built from the HTTP routes' own schemas: one schema per message, so both doors
 * accept and refuse exactly the same input.
 */
export const SESSION_REQUEST_SCHEMAS = {
  acquire: message('acquire', { ...ModuleParams.properties, ...AcquireBody.properties }),
  heartbeat: message('heartbeat', { leases: Type.Array(HeartbeatLease, { maxItems: 10_000 }) }),
  release: message('release', { ...HolderParams.properties, ...ReleaseQuery.properties }),
  'member.sync': message('member.sync', { ...MemberParams.properties, ...MemberSyncBody.properties }),
  'quota.report': message('quota.report', { ...ModuleParams.properties, ...QuotaReportBody.properties }),
  'quota.check': message('quota.check', { ...ModuleParams.properties, operation: OperationName }),
  'profile.check': message('profile.check', { ...ModuleParams.properties, ...ProfileCheckBody.properties }),
  enabled: message('enabled', ModuleParams.properties),
  status: message('status', {}),
} satisfies Record<string, TObject>;

/** Any request a client sends on a session. */
export const SessionRequestSchema = Type.Union(Object.values(SESSION_REQUEST_SCHEMAS));

/**
 * The SDK session: one WebSocket per client at `GET /v1/session` (token in `Authorization: Bearer …` or
 * `?token=`). Requests carry a client-chosen numeric `id`; the node answers each with the same `id`, in any order.
 * Either side may send an array of messages as one WebSocket message: the SDK batches the requests it makes in one
 * turn of its event loop, and the node the answers and pushes of one group commit — one frame and one write for many.
 */
export type SessionRequest = Static<(typeof SESSION_REQUEST_SCHEMAS)[keyof typeof SESSION_REQUEST_SCHEMAS]>;

/** Every session operation name. */
export type SessionOp = SessionRequest['op'];
