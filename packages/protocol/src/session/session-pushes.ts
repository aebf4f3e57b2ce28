import { type Static, Type } from '@sinclair/typebox';
import { closed, EntitlementSchema, Nullable } from '../api/common.js';
import { LicenseStateSchema } from '../api/license.js';
import { MemberBlockReasonSchema, memberStandingFields } from '../api/members.js';

/** The license state of a node: every client hears it on connect and again, at once, whenever it changes. */
export type LicenseStateName = Static<typeof LicenseStateSchema>;

/** What the node's license gives its clients now: per licensed module, the quantity (null = unlimited). */
export type LicenseEntitlement = Static<typeof EntitlementSchema>;

/** The hello the node pushes when a session opens. */
export const HelloPush = Type.Object(
  {
    push: Type.Literal('hello'),
    sessionId: Type.String(),
    heartbeatIntervalMs: Type.Integer(),
    graceMs: Type.Integer(),
    nonProduction: Type.Boolean(),
    /** The license as of the hello: its state and what it grants. */
    license: Type.Optional(
      Type.Object(
        { state: LicenseStateSchema, detail: Type.String(), entitlements: Type.Array(EntitlementSchema) },
        closed,
      ),
    ),
  },
  closed,
);

/** Pushed when a lease was taken away (evicted, force-released, expired). */
export const LeaseLostPush = Type.Object(
  {
    push: Type.Literal('lease.lost'),
    moduleId: Type.Integer(),
    holderId: Type.String(),
    leaseId: Type.String(),
    reason: Type.Union([Type.Literal('evicted'), Type.Literal('force_released'), Type.Literal('expired')]),
    detail: Type.String(),
  },
  closed,
);

/** Pushed when a member is blocked or unblocked; `reason` and `missingFeatures` say why it is blocked. */
export const MemberStatePush = Type.Object(
  {
    push: Type.Literal('member.state'),
    ...memberStandingFields,
    reason: Type.Optional(MemberBlockReasonSchema),
    missingFeatures: Type.Optional(Type.Array(Type.Integer())),
  },
  closed,
);

/** Pushed when a DEGRADE pool goes over quota or back. */
export const QuotaStatePush = Type.Object(
  {
    push: Type.Literal('quota.state'),
    moduleId: Type.Integer(),
    state: Type.Union([Type.Literal('ok'), Type.Literal('over_quota')]),
    count: Type.Integer(),
    quantity: Nullable(Type.Integer()),
  },
  closed,
);

/** Pushed when the node's license state, non-production flag or entitlements change. */
export const LicenseStatePush = Type.Object(
  {
    push: Type.Literal('license.state'),
    state: LicenseStateSchema,
    detail: Type.String(),
    /** True while the node runs a developer license (every answer is non-production). */
    nonProduction: Type.Optional(Type.Boolean()),
    /** What the license grants now, per module. */
    entitlements: Type.Optional(Type.Array(EntitlementSchema)),
  },
  closed,
);

/** Something the node pushes to a session without being asked. */
export const SessionPushSchema = Type.Union([
  HelloPush,
  LeaseLostPush,
  MemberStatePush,
  QuotaStatePush,
  LicenseStatePush,
]);
/** Something the node pushes to a session without being asked. */
export type SessionPush = Static<typeof SessionPushSchema>;
