import { EVENT_TYPES_PATTERN } from '@licensor/protocol/schemas';
import { fail, ID_PATTERN, ID_RULE_TEXT, ok, type Outcome } from '@licensor/protocol';
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * JSON bodies and SDK session messages: nothing is coerced. `"12"`, `true`, `null` or `["x"]` where an integer or a
 * string is expected is refused, never read as 12, 1, 0 or "x". Unknown fields are refused by each schema
 * (`additionalProperties: false`), never dropped silently.
 */
const messageAjv = new Ajv({
  coerceTypes: false,
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
});

/**
 * Path and query parameters arrive as text, so an integer parameter is parsed from its decimal digits; nothing else is
 * converted (no arrays from repeated parameters, no `0x10`, `1e3` or ` 12` as numbers: see `strictDecimal`).
 */
const partsAjv = new Ajv({
  coerceTypes: true,
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strict: false,
});

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/** Compiles a message schema (a body, a session message) into a validator that never coerces. */
export function compileMessage<T>(schema: TSchema): (value: unknown) => Outcome<T> {
  const validate = messageAjv.compile(schema);
  return (value) =>
    validate(value) ? ok(value as T) : fail('VALIDATION_FAILED', ...describe(validate.errors ?? [], undefined));
}

/**
 * Fastify's validator compiler: bodies through the non-coercing instance; path and query parameters through the
 * one that parses decimal integers, after a check that each integer parameter is written as plain decimal digits.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (httpPart === 'body') return messageAjv.compile(schema);
  const validate = partsAjv.compile(schema);
  const numeric = Object.entries((schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {})
    .filter(([, s]) => s.type === 'integer' || s.type === 'number')
    .map(([k]) => k);
  if (numeric.length === 0) return validate;
  const strictDecimal = ((data: Record<string, unknown> | undefined) => {
    for (const k of numeric) {
      const v = data?.[k];
      if (typeof v === 'string' && !DECIMAL.test(v)) {
        strictDecimal.errors = [
          { instancePath: `/${k}`, schemaPath: '', keyword: 'type', params: {}, message: 'must be a decimal integer' },
        ];
        return false;
      }
    }
    const valid = validate(data);
    strictDecimal.errors = validate.errors ?? null;
    return valid;
  }) as ValidateFunction;
  return strictDecimal;
};

/** The first validation error as a message naming the field (`body.holderId must be …`) and the field itself. */
export function describe(errors: Partial<ErrorObject>[], context: string | undefined): [string, { field: string }] {
  const v = errors[0];
  const params = (v?.params ?? {}) as Record<string, unknown>;
  const missing = params.missingProperty as string | undefined;
  const extra = params.additionalProperty as string | undefined;
  const field =
    [context, ...(v?.instancePath ?? '').split('/').filter(Boolean), missing ?? extra].filter(Boolean).join('.') ||
    'message';
  let what = v?.message ?? 'is invalid';
  if (v?.keyword === 'pattern' && params.pattern === ID_PATTERN) what = `must be ${ID_RULE_TEXT}`;
  if (v?.keyword === 'pattern' && params.pattern === EVENT_TYPES_PATTERN)
    what = 'must be comma-separated event types such as slot.acquired,slot.evicted';
  const message = missing ? `${field} is required` : extra ? `${field} is not an accepted field` : `${field} ${what}`;
  return [message, { field }];
}
