import { type Static, Type } from '@sinclair/typebox';
import { closed, EntitlementSchema, EpochMs, Nullable } from './common.js';
import { KeySourceSchema, LicenseStateSchema, LicenseStateView, ScopeSchema, TermSchema } from './license.js';

/** `GET /healthz`. */
export const HealthAnswer = Type.Object({ status: Type.Literal('ok') }, closed);
/** `GET /readyz` (200 ready, 503 not). */
export const ReadyAnswer = Type.Object({ ready: Type.Boolean(), store: Type.String() }, closed);
/** `GET /readyz`. */
export type ReadyAnswer = Static<typeof ReadyAnswer>;

/** The hardware key part of `GET /v1/status`: where the key came from and, for a USB drive, whether it is plugged in. */
export const HardwareKeyStatus = Type.Object(
  {
    key: Type.String(),
    source: Type.Union([Type.Literal('usb'), Type.Literal('machine-id'), Type.Literal('explicit')]),
    trusted: Type.Boolean(),
    watched: Type.Boolean(),
    present: Type.Boolean(),
    missingSince: Nullable(Type.String()),
    graceEndsAt: Nullable(Type.String()),
    /** True once the grace period is over: client work is refused until the drive is back. */
    refusing: Type.Boolean(),
  },
  closed,
);
/** The hardware key part of `GET /v1/status`. */
export type HardwareKeyStatus = Static<typeof HardwareKeyStatus>;

/** `GET /v1/status`: license state (and terms when one is installed), hardware key, flags, store and time. */
export const StatusAnswer = Type.Object(
  {
    license: Type.Object(
      {
        state: LicenseStateSchema,
        detail: Type.String(),
        id: Type.Optional(Type.String()),
        customer: Type.Optional(Type.Object({ id: Type.String(), name: Type.String() }, closed)),
        scope: Type.Optional(ScopeSchema),
        term: Type.Optional(TermSchema),
        notAfter: Type.Optional(Nullable(Type.String())),
        developer: Type.Optional(Nullable(Type.Object({ id: Type.String() }, closed))),
        keySource: Type.Optional(KeySourceSchema),
      },
      closed,
    ),
    blockedByParent: Nullable(Type.String()),
    hardwareKey: HardwareKeyStatus,
    nonProduction: Type.Boolean(),
    entitlements: Type.Array(EntitlementSchema),
    store: Type.String(),
    time: EpochMs,
  },
  closed,
);
/** `GET /v1/status`. */
export type StatusAnswer = Static<typeof StatusAnswer>;

/** A module of the node's catalog: what it is and how its pool admits. */
export const CatalogModuleSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    kind: Type.String(),
    policy: Type.Record(Type.String(), Type.Unknown()),
    heartbeatTtlSeconds: Type.Number(),
    extends: Type.Optional(Type.Integer()),
    developer: Type.String(),
    description: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
  },
  closed,
);
/** A module of the node's catalog. */
export type CatalogModuleView = Static<typeof CatalogModuleSchema>;

/** `GET /v1/catalog`. */
export const CatalogAnswer = Type.Object({ modules: Type.Array(CatalogModuleSchema) }, closed);
/** `GET /v1/catalog`. */
export type CatalogAnswer = Static<typeof CatalogAnswer>;

/** The session's `status` answer: the license state, the non-production flag, the session and the catalog. */
export const SessionStatusAnswer = Type.Object(
  {
    license: LicenseStateView,
    nonProduction: Type.Boolean(),
    sessionId: Type.String(),
    catalog: Type.Array(CatalogModuleSchema),
  },
  closed,
);
/** The session's `status` answer. */
export type SessionStatusAnswer = Static<typeof SessionStatusAnswer>;
