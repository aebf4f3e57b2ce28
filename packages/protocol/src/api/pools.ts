import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Nullable, Quantity } from './common.js';
import { MemberBlockReasonSchema } from './members.js';

/** One pool in `GET /v1/pools`: used / quantity and counts, as of now. */
export const PoolSummary = Type.Object(
  {
    moduleId: Type.Integer(),
    name: Type.String(),
    kind: Type.String(),
    strategy: Type.String(),
    quantity: Quantity,
    used: Type.Integer(),
    free: Quantity,
    holders: Type.Integer(),
    members: Type.Integer(),
    blocked: Type.Integer(),
    blockedByProfile: Type.Integer(),
    quotaState: Nullable(Type.String()),
    licensed: Type.Boolean(),
  },
  closed,
);
/** One pool in `GET /v1/pools`. */
export type PoolSummary = Static<typeof PoolSummary>;

/** `GET /v1/pools`. */
export const PoolsAnswer = Type.Object({ pools: Type.Array(PoolSummary), nonProduction: Type.Boolean() }, closed);
/** `GET /v1/pools`. */
export type PoolsAnswer = Static<typeof PoolsAnswer>;

/** Query of `GET /v1/pools/{moduleId}`. */
export const PoolDetailQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  memberCursor: Type.Optional(Type.Integer({ minimum: 0 })),
});

/** A slot holder in a pool listing. */
export const HolderRow = Type.Object(
  {
    holderId: Type.String(),
    leaseId: Type.String(),
    since: EpochMs,
    lastHeartbeatAt: EpochMs,
    lastActivityAt: EpochMs,
    expiresAt: EpochMs,
    state: Type.Union([Type.Literal('active'), Type.Literal('connected'), Type.Literal('expired')]),
  },
  closed,
);
/** A slot holder in a pool listing. */
export type HolderRow = Static<typeof HolderRow>;

/** A member (register, subordinate server) in a pool listing, in connection order. */
export const MemberRow = Type.Object(
  {
    memberId: Type.String(),
    position: Type.Integer(),
    state: Type.Union([Type.Literal('active'), Type.Literal('blocked')]),
    blockedReason: Nullable(MemberBlockReasonSchema),
    firstConnectedAt: EpochMs,
    lastSeenAt: EpochMs,
    features: Type.Array(Type.Integer()),
    missingFeatures: Type.Array(Type.Integer()),
  },
  closed,
);
/** A member in a pool listing. */
export type MemberRow = Static<typeof MemberRow>;

/** A pool's admission policy, as the catalog (or the license) defines it: its strategy and that strategy's settings. */
export const PoolPolicy = Type.Object(
  {
    strategy: Type.String(),
    idleThresholdSeconds: Type.Optional(Type.Number()),
    memberInactiveAfterSeconds: Type.Optional(Nullable(Type.Number())),
    allowedWhenOverQuota: Type.Optional(Type.Array(Type.String())),
    refusedWhenOverQuota: Type.Optional(Type.Array(Type.String())),
  },
  closed,
);
/** A pool's admission policy. */
export type PoolPolicy = Static<typeof PoolPolicy>;

/** The last count a DEGRADE pool reported. */
export const QuotaRecord = Type.Object(
  {
    moduleId: Type.Integer(),
    count: Type.Integer(),
    reportedAt: EpochMs,
    state: Type.Union([Type.Literal('ok'), Type.Literal('over_quota')]),
  },
  closed,
);

/** `GET /v1/pools/{moduleId}`: one page of holders and members. */
export const PoolDetail = Type.Object(
  {
    summary: PoolSummary,
    policy: PoolPolicy,
    holders: Type.Array(HolderRow),
    members: Type.Array(MemberRow),
    nextMemberCursor: Nullable(Type.Integer()),
    quota: Nullable(QuotaRecord),
    nextCursor: Nullable(Type.String()),
  },
  closed,
);
/** `GET /v1/pools/{moduleId}`. */
export type PoolDetail = Static<typeof PoolDetail>;
