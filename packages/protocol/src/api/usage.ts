import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Nullable, Quantity } from './common.js';

/** Query of `GET /v1/usage`. */
export const UsageQuery = Type.Object({
  moduleId: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  to: Type.Optional(Type.Integer({ minimum: 0 })),
  points: Type.Integer({ minimum: 10, maximum: 5000, default: 500 }),
});

/** One usage sample of a module. */
export const UsageSampleView = Type.Object(
  { at: EpochMs, used: Type.Integer(), quantity: Quantity, blocked: Type.Integer() },
  closed,
);
/** One usage sample of a module. */
export type UsageSampleView = Static<typeof UsageSampleView>;

/** One module in `GET /v1/usage`: its samples and peak. */
export const UsageModule = Type.Object(
  {
    moduleId: Type.Integer(),
    name: Type.String(),
    quantity: Quantity,
    peak: Nullable(Type.Object({ at: EpochMs, used: Type.Integer(), quantity: Quantity }, closed)),
    samples: Type.Array(UsageSampleView),
  },
  closed,
);
/** One module in `GET /v1/usage`. */
export type UsageModule = Static<typeof UsageModule>;

/** `GET /v1/usage`. */
export const UsageAnswer = Type.Object(
  {
    intervalMs: Type.Integer(),
    retentionMs: Type.Integer(),
    from: EpochMs,
    to: EpochMs,
    truncated: Type.Boolean(),
    modules: Type.Array(UsageModule),
  },
  closed,
);
/** `GET /v1/usage`. */
export type UsageAnswer = Static<typeof UsageAnswer>;
