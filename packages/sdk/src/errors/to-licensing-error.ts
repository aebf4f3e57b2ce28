import { isErrorCode, type Problem } from '@licensor/protocol';
import { AuthenticationError } from './authentication-error.js';
import { ConnectionError } from './connection-error.js';
import { FeatureNotLicensedError } from './feature-not-licensed-error.js';
import { InsufficientLicenseError } from './insufficient-license-error.js';
import { LeaseLostError } from './lease-lost-error.js';
import { LicenseExpiredError } from './license-expired-error.js';
import { LicenseMissingError } from './license-missing-error.js';
import { LicensingError, type LicensingErrorCode, type LicensingErrorInit } from './licensing-error.js';
import { ModuleNotLicensedError } from './module-not-licensed-error.js';
import { QuotaExceededError } from './quota-exceeded-error.js';
import { ValidationError } from './validation-error.js';

type ErrorClass = new (init: LicensingErrorInit) => LicensingError;

// The one place codes become classes; codes not listed stay plain LicensingError, so new codes never break callers.
const CLASS_BY_CODE: Partial<Record<LicensingErrorCode, ErrorClass>> = {
  INSUFFICIENT_LICENSE: InsufficientLicenseError,
  LICENSE_MISSING: LicenseMissingError,
  LICENSE_EXPIRED: LicenseExpiredError,
  LICENSE_NOT_YET_VALID: LicenseExpiredError,
  LEASE_NOT_FOUND: LeaseLostError,
  LEASE_EVICTED: LeaseLostError,
  FEATURE_NOT_LICENSED: FeatureNotLicensedError,
  QUOTA_EXCEEDED: QuotaExceededError,
  MODULE_NOT_LICENSED: ModuleNotLicensedError,
  MODULE_UNKNOWN: ModuleNotLicensedError,
  UNAUTHENTICATED: AuthenticationError,
  FORBIDDEN: AuthenticationError,
  VALIDATION_FAILED: ValidationError,
  CONNECTION_FAILED: ConnectionError,
  REQUEST_TIMEOUT: ConnectionError,
};

/** A problem+json body as it may arrive: every field optional, the code any string (unknown codes map to INTERNAL). */
export type ProblemLike = Partial<Omit<Problem, 'code'>> & { code?: string };

/** Turns a problem+json body (from HTTP or a session response) into the matching error class, by code. */
export function toLicensingError(problem: ProblemLike | null | undefined, status?: number): LicensingError {
  const rawCode = typeof problem?.code === 'string' ? problem.code : undefined;
  const code: LicensingErrorCode =
    rawCode !== undefined && (isErrorCode(rawCode) || rawCode === 'CONNECTION_FAILED' || rawCode === 'REQUEST_TIMEOUT')
      ? rawCode
      : 'INTERNAL';
  const detail =
    typeof problem?.detail === 'string' && problem.detail !== ''
      ? problem.detail
      : typeof problem?.title === 'string' && problem.title !== ''
        ? problem.title
        : `the node answered ${rawCode ?? `status ${status ?? problem?.status ?? 'unknown'}`}`;
  const init: LicensingErrorInit = { code, detail };
  const httpStatus = status ?? (typeof problem?.status === 'number' ? problem.status : undefined);
  if (httpStatus !== undefined) init.status = httpStatus;
  if (problem?.data !== undefined && problem.data !== null && typeof problem.data === 'object')
    init.data = problem.data;
  if (typeof problem?.requestId === 'string') init.requestId = problem.requestId;
  if (typeof problem?.field === 'string') init.field = problem.field;
  const Class = CLASS_BY_CODE[code] ?? LicensingError;
  return new Class(init);
}

/** Builds a ConnectionError for a failure on the SDK's side of the wire. */
export function connectionError(
  detail: string,
  cause?: unknown,
  code: 'CONNECTION_FAILED' | 'REQUEST_TIMEOUT' = 'CONNECTION_FAILED',
): ConnectionError {
  return new ConnectionError({ code, detail, cause });
}
