import { SESSION_REQUEST_SCHEMAS } from '@licensor/protocol/schemas';
import { fail, type Outcome, type SessionOp, type SessionRequest } from '@licensor/protocol';
import { compileMessage } from '../transport/validation.js';

const VALIDATORS = new Map(
  Object.entries(SESSION_REQUEST_SCHEMAS).map(([op, schema]) => [op, compileMessage<SessionRequest>(schema)]),
);

/** Checks a session message against its schema (the same as the HTTP route's); nothing is coerced, unknown fields are refused, the error names the field. */
export function validateSessionRequest(raw: unknown): Outcome<SessionRequest> {
  const bad = (field: string, what: string) => fail('VALIDATION_FAILED', `${field} ${what}`, { field });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('message', 'must be an object');
  const r = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(r.id) || (r.id as number) < 1) return bad('id', 'must be a positive integer');
  const validate = typeof r.op === 'string' ? VALIDATORS.get(r.op as SessionOp) : undefined;
  if (!validate) return bad('op', `must be one of ${[...VALIDATORS.keys()].join(', ')}`);
  return validate(raw);
}
