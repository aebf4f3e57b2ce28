import { Type } from '@sinclair/typebox';

/** RFC 9457 problem details: every error answer of the node API (`application/problem+json`). */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    requestId: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    nonProduction: Type.Optional(Type.Boolean()),
  },
  { $id: 'Problem', additionalProperties: false },
);
