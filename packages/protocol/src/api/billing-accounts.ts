import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Id, Nullable } from './common.js';

/** Body of `POST /v1/billing/accounts`. */
export const AccountCreateBody = Type.Object(
  {
    customerName: Type.String({ minLength: 1, maxLength: 200 }),
    customerId: Type.Optional(Id),
    currency: Type.String({ maxLength: 10 }),
  },
  closed,
);
/** Query of `GET /v1/billing/accounts`. */
export const AccountsQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }) });
/** Body of a top-up; amount, currency and reference are checked by the billing service, which names the field. */
export const TopUpBody = Type.Object(
  { amount: Type.Unknown(), currency: Type.Unknown(), reference: Type.Unknown() },
  closed,
);
/** Body of a refund or adjustment. */
export const AdjustmentBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('refund'), Type.Literal('adjustment')]),
    amount: Type.Unknown(),
    currency: Type.String({ maxLength: 10 }),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    note: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  closed,
);
/** Query of the ledger: JSON, or CSV with `format=csv` or `Accept: text/csv`. */
export const LedgerQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
});

/** A billing account and its balance (the sum of its ledger), in minor units. */
export const AccountView = Type.Object(
  {
    id: Type.String(),
    customer: Type.Object({ id: Type.String(), name: Type.String() }, closed),
    currency: Type.String(),
    balance: Type.Integer(),
    balanceText: Type.String(),
    createdAt: EpochMs,
  },
  closed,
);
/** A billing account and its balance. */
export type AccountView = Static<typeof AccountView>;

/** A ledger entry, amounts in minor units. */
export const LedgerEntryView = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    accountId: Type.String(),
    kind: Type.Union([
      Type.Literal('topup'),
      Type.Literal('rental_charge'),
      Type.Literal('refund'),
      Type.Literal('adjustment'),
    ]),
    amount: Type.Integer(),
    currency: Type.String(),
    reference: Nullable(Type.String()),
    rentalId: Nullable(Type.String()),
    periodIndex: Nullable(Type.Integer()),
    note: Nullable(Type.String()),
    at: EpochMs,
  },
  closed,
);
/** A ledger entry. */
export type LedgerEntryView = Static<typeof LedgerEntryView>;

/** A top-up: the entry (the earlier one when the reference was seen before), the account after it, rentals renewed. */
export const TopUpAnswer = Type.Object(
  { duplicate: Type.Boolean(), entry: LedgerEntryView, account: AccountView, renewed: Type.Array(Type.String()) },
  closed,
);
/** A top-up's answer. */
export type TopUpAnswer = Static<typeof TopUpAnswer>;

/** A refund or adjustment: the entry and the account after it. */
export const AdjustmentAnswer = Type.Object({ entry: LedgerEntryView, account: AccountView }, closed);

/** A page of the ledger, oldest first. */
export const LedgerAnswer = Type.Object(
  { account: AccountView, entries: Type.Array(LedgerEntryView), nextCursor: Type.Integer() },
  closed,
);
/** A page of the ledger. */
export type LedgerAnswer = Static<typeof LedgerAnswer>;
