import { type Static, Type } from '@sinclair/typebox';
import { closed, Quantity } from './common.js';

/** Body of a quota report. */
export const QuotaReportBody = Type.Object({ count: Type.Integer({ minimum: 0, maximum: 2147483647 }) }, closed);

/** The state of a DEGRADE pool after a report: operations allowed and refused in that state. */
export const QuotaAnswer = Type.Object(
  {
    state: Type.Union([Type.Literal('ok'), Type.Literal('over_quota')]),
    count: Type.Integer(),
    quantity: Quantity,
    allowed: Type.Array(Type.String()),
    refused: Type.Array(Type.String()),
  },
  closed,
);
/** The state of a DEGRADE pool after a report. */
export type QuotaAnswer = Static<typeof QuotaAnswer>;

/** Answer of an operation check that passed (a refused one is 409 QUOTA_EXCEEDED). */
export const OperationAnswer = Type.Object({ allowed: Type.Literal(true) }, closed);
/** Answer of an operation check. */
export type OperationAnswer = Static<typeof OperationAnswer>;
