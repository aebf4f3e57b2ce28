import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs } from '../api/common.js';
import { LeaseView, ReleaseAnswer } from '../api/leases.js';
import { EnabledAnswer, MemberSyncAnswer, ProfileCheckAnswer } from '../api/members.js';
import { ProblemSchema } from '../api/problem-schema.js';
import { QuotaAnswer } from '../api/quotas.js';
import { SessionStatusAnswer } from '../api/system.js';
import type { Problem } from '../errors/problem.js';
import type { SessionOp } from './session-requests.js';
import type { SessionPush } from './session-pushes.js';

/** Result of `heartbeat`: per lease, either renewed (with the node's current non-production flag) or lost with the reason. */
export const HeartbeatResultSchema = Type.Object(
  {
    leases: Type.Array(
      Type.Union([
        Type.Object(
          {
            moduleId: Type.Integer(),
            holderId: Type.String(),
            ok: Type.Literal(true),
            expiresAt: EpochMs,
            nonProduction: Type.Optional(Type.Boolean()),
          },
          closed,
        ),
        Type.Object(
          { moduleId: Type.Integer(), holderId: Type.String(), ok: Type.Literal(false), error: ProblemSchema },
          closed,
        ),
      ]),
    ),
  },
  closed,
);

/** Result of `heartbeat`. */
export interface HeartbeatResult {
  leases: (
    | { moduleId: number; holderId: string; ok: true; expiresAt: number; nonProduction?: boolean }
    | { moduleId: number; holderId: string; ok: false; error: Problem }
  )[];
}

/** The result each session operation answers with (`quota.check` answers `true`; a refusal is an error). */
export const SESSION_RESULT_SCHEMAS = {
  acquire: LeaseView,
  heartbeat: HeartbeatResultSchema,
  release: ReleaseAnswer,
  'member.sync': MemberSyncAnswer,
  'quota.report': QuotaAnswer,
  'quota.check': Type.Literal(true),
  'profile.check': ProfileCheckAnswer,
  enabled: EnabledAnswer,
  status: SessionStatusAnswer,
} satisfies Record<SessionOp, unknown>;

/** The result type of each session operation. */
export type SessionResults = {
  [Op in SessionOp]: Op extends 'heartbeat' ? HeartbeatResult : Static<(typeof SESSION_RESULT_SCHEMAS)[Op]>;
};

/** The answer to one request: its result, or the problem that refused it. */
export const SessionResponseSchema = Type.Union([
  Type.Object({ id: Type.Integer(), ok: Type.Literal(true), result: Type.Unknown() }, closed),
  Type.Object({ id: Type.Integer(), ok: Type.Literal(false), error: ProblemSchema }, closed),
]);

/** The answer to one request. */
export type SessionResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Problem };

/** Any message the node sends on a session. */
export type SessionServerMessage = SessionResponse | SessionPush;
