import { type Static, Type } from '@sinclair/typebox';
import { closed, EntitlementSchema, EpochMs, Nullable } from './common.js';

/** A license state as the node reports it. */
export const LicenseStateSchema = Type.Union([
  Type.Literal('valid'),
  Type.Literal('missing'),
  Type.Literal('expired'),
  Type.Literal('not_yet_valid'),
  Type.Literal('blocked'),
]);

/** The node's license state and why. */
export const LicenseStateView = Type.Object({ state: LicenseStateSchema, detail: Type.String() }, closed);
/** The node's license state and why. */
export type LicenseStateView = Static<typeof LicenseStateView>;

/** Where a node must read its hardware key. */
export const KeySourceSchema = Type.Union([Type.Literal('usb'), Type.Literal('machine-id'), Type.Literal('any')]);
/** Centralized or static. */
export const ScopeSchema = Type.Union([Type.Literal('centralized'), Type.Literal('static')]);
/** How long a license runs. */
export const TermSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('permanent'), Type.Literal('temporary'), Type.Literal('rental')]),
    period: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')])),
    planId: Type.Optional(Type.String()),
  },
  closed,
);

/** The signed content of a license file (license-payload.ts); module terms are shown as signed. */
export const LicensePayloadSchema = Type.Object(
  {
    v: Type.Integer(),
    id: Type.String(),
    issuer: Type.String(),
    customer: Type.Object({ id: Type.String(), name: Type.String() }, closed),
    hardwareKey: Type.String(),
    scope: ScopeSchema,
    term: TermSchema,
    entitlements: Type.Array(EntitlementSchema),
    developer: Type.Optional(Type.Object({ id: Type.String() }, closed)),
    catalog: Type.Optional(Type.String()),
    keySource: KeySourceSchema,
    modules: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    issuedAt: Type.String(),
    notBefore: Type.String(),
    notAfter: Nullable(Type.String()),
  },
  closed,
);

/** `GET /v1/license`: the state, the installed license's terms (or null) and when it was installed. */
export const LicenseAnswer = Type.Object(
  { state: LicenseStateView, license: Nullable(LicensePayloadSchema), installedAt: Nullable(EpochMs) },
  closed,
);
/** `GET /v1/license`. */
export type LicenseAnswer = Static<typeof LicenseAnswer>;

/** Body of `PUT /v1/license`: the armored license file. */
export const LicenseInstallBody = Type.Object({ license: Type.String({ minLength: 1, maxLength: 65536 }) }, closed);

/** `PUT /v1/license`: the license installed and the state it leaves the node in. */
export const LicenseInstallAnswer = Type.Object(
  { installed: Type.Literal(true), license: LicensePayloadSchema, state: LicenseStateView },
  closed,
);
/** `PUT /v1/license`. */
export type LicenseInstallAnswer = Static<typeof LicenseInstallAnswer>;
