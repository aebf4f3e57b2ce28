import type { ErrorCode, Failure, Problem } from '@licensor/protocol';

/** The one place error codes become HTTP statuses. 409 means "licensing says no" to a well-formed request. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED: 400,
  HARDWARE_KEY_INVALID: 400,
  SIGNATURE_INVALID: 422,
  HARDWARE_KEY_MISMATCH: 422,
  KEY_SOURCE_MISMATCH: 422,
  HARDWARE_KEY_ABSENT: 409,
  LICENSE_NOT_YET_VALID: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MODULE_UNKNOWN: 404,
  LEASE_NOT_FOUND: 404,
  LEASE_EVICTED: 410,
  LICENSE_MISSING: 409,
  LICENSE_EXPIRED: 409,
  INSUFFICIENT_LICENSE: 409,
  MODULE_NOT_LICENSED: 409,
  MODULE_KIND_MISMATCH: 409,
  FEATURE_NOT_LICENSED: 409,
  QUOTA_EXCEEDED: 409,
  MEMBER_BLOCKED: 409,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  SCOPE_NOT_CENTRALIZED: 409,
  ALLOCATION_EXCEEDED: 409,
  ALLOCATION_STALE: 409,
  SYNC_BLOCKED: 409,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  STORE_UNAVAILABLE: 503,
  INSUFFICIENT_BALANCE: 409,
  ISSUER_KEY_MISSING: 409,
  WEBHOOK_URL_INVALID: 400,
  REQUEST_MALFORMED: 400,
  REQUEST_TIMEOUT: 408,
  HEADERS_TOO_LARGE: 431,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  CONNECTION_LIMIT: 429,
  CHILD_LIMIT_REACHED: 409,
  AMOUNT_OUT_OF_RANGE: 400,
  INTERNAL: 500,
};

/** Turns an expected failure into a problem+json body. */
export function toProblem(f: Pick<Failure, 'code' | 'message' | 'field' | 'data'>, requestId?: string): Problem {
  const status = HTTP_STATUS[f.code] ?? 500;
  return {
    type: `https://licensor.dev/problems/${f.code.toLowerCase().replaceAll('_', '-')}`,
    title: f.code,
    status,
    code: f.code,
    detail: f.message,
    ...(requestId ? { requestId } : {}),
    ...(f.field ? { field: f.field } : {}),
    ...(f.data ? { data: f.data } : {}),
  };
}

/** An expected failure thrown through Fastify's handler chain, rendered by the error handler. */
export class HttpFailure extends Error {
  constructor(readonly failure: Pick<Failure, 'code' | 'message' | 'field' | 'data'>) {
    super(failure.message);
  }
}
