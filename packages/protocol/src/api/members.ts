import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Features, ModuleId, OperationName, Quantity } from './common.js';

/** Why a member is blocked: connected beyond the licensed quantity, or its profile enables add-ons the license lacks. */
export const MemberBlockReasonSchema = Type.Union([
  Type.Literal('beyond_quantity'),
  Type.Literal('features_unlicensed'),
]);

/** Body of a member sync. */
export const MemberSyncBody = Type.Object({ features: Type.Optional(Features) }, closed);
/** Body of a profile check. */
export const ProfileCheckBody = Type.Object({ features: Features }, closed);
/** Path parameters of an operation check. */
export const OperationParams = Type.Object({ moduleId: ModuleId, operation: OperationName });

/** A member's standing: its place in connection order, active or blocked, and the licensed quantity. */
export const memberStandingFields = {
  moduleId: Type.Integer(),
  memberId: Type.String(),
  state: Type.Union([Type.Literal('active'), Type.Literal('blocked')]),
  position: Type.Integer(),
  quantity: Quantity,
};

/** What a member learns when it connects or syncs (`PUT /v1/modules/{moduleId}/members/{memberId}`). */
export const MemberSyncAnswer = Type.Object(
  {
    ...memberStandingFields,
    reasons: Type.Array(MemberBlockReasonSchema),
    missingFeatures: Type.Optional(Type.Array(Type.Integer())),
    detail: Type.Optional(Type.String()),
    nonProduction: Type.Optional(Type.Literal(true)),
  },
  closed,
);
/** What a member learns when it connects or syncs. */
export type MemberSyncAnswer = Static<typeof MemberSyncAnswer>;

/** A member as the node stores it. */
export const MemberRecord = Type.Object(
  {
    moduleId: Type.Integer(),
    memberId: Type.String(),
    seq: Type.Integer(),
    firstConnectedAt: EpochMs,
    lastSeenAt: EpochMs,
    state: Type.Union([Type.Literal('active'), Type.Literal('blocked')]),
    blockedReason: Type.Union([MemberBlockReasonSchema, Type.Null()]),
    features: Type.Array(Type.Integer()),
    missingFeatures: Type.Array(Type.Integer()),
  },
  closed,
);

/** Answer of `DELETE /v1/modules/{moduleId}/members/{memberId}`: the member removed and those it unblocked. */
export const RemoveMemberAnswer = Type.Object({ member: MemberRecord, unblocked: Type.Array(Type.String()) }, closed);
/** Answer of a member removal. */
export type RemoveMemberAnswer = Static<typeof RemoveMemberAnswer>;

/** Answer of a profile check that passed: the profile's features, each once. */
export const ProfileCheckAnswer = Type.Object({ features: Type.Array(Type.Integer()) }, closed);
/** Answer of a profile check. */
export type ProfileCheckAnswer = Static<typeof ProfileCheckAnswer>;

/** Answer of `GET /v1/modules/{moduleId}/enabled`. */
export const EnabledAnswer = Type.Object(
  { enabled: Type.Boolean(), reason: Type.Optional(Type.String()), code: Type.Optional(Type.String()) },
  closed,
);
/** Answer of an enabled check. */
export type EnabledAnswer = Static<typeof EnabledAnswer>;
