import { type Static, Type } from '@sinclair/typebox';
import { closed, EpochMs, Nullable } from './common.js';

/** A token role: admin everything; app client work; node a child node syncing with this one. */
export const TokenRole = Type.Union([Type.Literal('admin'), Type.Literal('app'), Type.Literal('node')], {
  description: 'admin: everything; app: client work (slots, members, quotas); node: a child node syncing with this one',
});

/** Body of `POST /v1/tokens`. */
export const TokenCreateBody = Type.Object(
  { role: TokenRole, name: Type.String({ minLength: 1, maxLength: 100 }) },
  closed,
);

const tokenFields = {
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  createdAt: EpochMs,
  revokedAt: Nullable(EpochMs),
};

/** An API token as listed: never its secret. */
export const TokenView = Type.Object(tokenFields, closed);
/** An API token as listed. */
export type TokenView = Static<typeof TokenView>;

/** `POST /v1/tokens`: the token and its secret, shown this once. */
export const TokenCreated = Type.Object({ ...tokenFields, secret: Type.String() }, closed);
/** `POST /v1/tokens`. */
export type TokenCreated = Static<typeof TokenCreated>;

/** `GET /v1/tokens`. */
export const TokensAnswer = Type.Object({ tokens: Type.Array(TokenView) }, closed);
/** `GET /v1/tokens`. */
export type TokensAnswer = Static<typeof TokensAnswer>;

/** `DELETE /v1/tokens/{id}`. */
export const TokenRevoked = Type.Object({ revoked: Type.Literal(true) }, closed);
