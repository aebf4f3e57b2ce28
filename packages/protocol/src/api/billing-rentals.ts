import { type Static, Type } from '@sinclair/typebox';
import { AccountView } from './billing-accounts.js';
import { closed, EntitlementSchema, EpochMs, Id, ModuleId, Nullable } from './common.js';
import { LicensePayloadSchema, ScopeSchema } from './license.js';

/** Entitlements of a plan or a temporary license as sent: quantity omitted or null = unlimited. */
export const EntitlementsInput = Type.Array(
  Type.Object(
    { moduleId: ModuleId, quantity: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])) },
    closed,
  ),
  { minItems: 1, maxItems: 1000 },
);
const KeySourceField = Type.Union([Type.Literal('usb'), Type.Literal('machine-id'), Type.Literal('any')], {
  description: 'where the node must read its hardware key (default usb)',
});
const HardwareKeyText = Type.String({ minLength: 1, maxLength: 200 });
const DateText = Type.String({ minLength: 10, maxLength: 40 });

/** Body of `POST /v1/rental-plans`; period, price, currency and grace are checked by the service, which names the field. */
export const PlanCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    period: Type.Unknown(),
    price: Type.Unknown(),
    currency: Type.Unknown(),
    graceMs: Type.Optional(Type.Unknown()),
    entitlements: EntitlementsInput,
  },
  closed,
);
/** Body of `PATCH /v1/rental-plans/{id}`. */
export const PlanUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    price: Type.Optional(Type.Unknown()),
    graceMs: Type.Optional(Type.Unknown()),
  },
  closed,
);
/** Body of `POST /v1/rentals`. */
export const RentalCreateBody = Type.Object(
  {
    accountId: Id,
    planId: Id,
    hardwareKey: HardwareKeyText,
    scope: Type.Optional(ScopeSchema),
    keySource: Type.Optional(KeySourceField),
  },
  closed,
);
/** Body of `POST /v1/licenses`: a temporary license until a date. */
export const TemporaryLicenseBody = Type.Object(
  {
    customerName: Type.String({ minLength: 1, maxLength: 200 }),
    customerId: Type.Optional(Id),
    hardwareKey: HardwareKeyText,
    scope: ScopeSchema,
    entitlements: EntitlementsInput,
    until: DateText,
    keySource: Type.Optional(KeySourceField),
  },
  closed,
);
/** Body of `POST /v1/licenses/{id}/extend`. */
export const ExtendBody = Type.Object({ until: DateText }, closed);

/** A rental plan: a price per period for a set of entitlements. */
export const RentalPlanView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    price: Type.Integer(),
    currency: Type.String(),
    graceMs: Type.Integer(),
    entitlements: Type.Array(EntitlementSchema),
    createdAt: EpochMs,
  },
  closed,
);
/** A rental plan. */
export type RentalPlanView = Static<typeof RentalPlanView>;

/** `GET /v1/rental-plans`. */
export const PlansAnswer = Type.Object({ plans: Type.Array(RentalPlanView) }, closed);
/** `GET /v1/rental-plans`. */
export type PlansAnswer = Static<typeof PlansAnswer>;

const rentalFields = {
  id: Type.String(),
  accountId: Type.String(),
  planId: Type.String(),
  licenseId: Type.String(),
  hardwareKey: Type.String(),
  scope: ScopeSchema,
  status: Type.Union([Type.Literal('active'), Type.Literal('grace'), Type.Literal('lapsed')]),
  periodIndex: Type.Integer(),
  paidUntil: Type.String(),
  notAfter: Nullable(Type.String()),
  installedHere: Type.Boolean(),
};

/** A rental as an account lists it (without its license file). */
export const RentalSummary = Type.Object(rentalFields, closed);
/** A rental as an account lists it. */
export type RentalSummary = Static<typeof RentalSummary>;

/** A rental with its current license file. */
export const RentalView = Type.Object({ ...rentalFields, license: Nullable(Type.String()) }, closed);
/** A rental with its current license file. */
export type RentalView = Static<typeof RentalView>;

/** A billing account with its rentals. */
export const AccountWithRentals = Type.Object(
  { ...AccountView.properties, rentals: Type.Array(RentalSummary) },
  closed,
);
/** A billing account with its rentals. */
export type AccountWithRentals = Static<typeof AccountWithRentals>;

/** `GET /v1/billing/accounts`. */
export const AccountsAnswer = Type.Object({ accounts: Type.Array(AccountWithRentals) }, closed);
/** `GET /v1/billing/accounts`. */
export type AccountsAnswer = Static<typeof AccountsAnswer>;

/** A temporary license just issued or extended. */
export const IssuedLicenseAnswer = Type.Object(
  { license: Type.String(), payload: LicensePayloadSchema, installedHere: Type.Boolean() },
  closed,
);
/** `POST /v1/licenses/{id}/extend`: the re-issued license and the end date it replaced. */
export const ExtendedLicenseAnswer = Type.Object(
  { ...IssuedLicenseAnswer.properties, previousNotAfter: Nullable(Type.String()) },
  closed,
);
/** `POST /v1/licenses/{id}/extend`. */
export type ExtendedLicenseAnswer = Static<typeof ExtendedLicenseAnswer>;
/** `GET /v1/licenses/{id}`: the current file of a license this node issued. */
export const IssuedLicenseFile = Type.Object(
  { license: Type.String(), payload: LicensePayloadSchema, rentalId: Nullable(Type.String()) },
  closed,
);
