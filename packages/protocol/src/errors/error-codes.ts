/** Every stable error code Licensor returns, with a one-line meaning. The server maps codes to HTTP status in one place. */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'A request field is missing or malformed; the message names the field.',
  MALFORMED: 'A license file or signed document cannot be parsed.',
  SIGNATURE_INVALID: 'A signature does not match the signed bytes or the public key.',
  HARDWARE_KEY_INVALID: 'A hardware key is not 64 lowercase hexadecimal characters.',
  HARDWARE_KEY_MISMATCH: "The license is bound to another node's hardware key.",
  KEY_SOURCE_MISMATCH: 'The node read its hardware key from another source than the one the license was issued for.',
  HARDWARE_KEY_ABSENT:
    'The licensed USB drive has been gone longer than the grace period; client work is refused until it is back.',
  LICENSE_MISSING: 'The node has no valid license installed; client work is refused.',
  LICENSE_EXPIRED: 'The license (or allocation) has passed its end date.',
  LICENSE_NOT_YET_VALID: 'The license is not valid before its not-before date.',
  INSUFFICIENT_LICENSE: 'Every slot of the pool is in use.',
  MODULE_NOT_LICENSED: 'The license grants no entitlement for this module.',
  MODULE_UNKNOWN: 'The module ID is not in the catalog.',
  MODULE_KIND_MISMATCH: 'The operation does not fit the kind or policy of this module.',
  FEATURE_NOT_LICENSED: 'A feature enabled in a profile has no license.',
  QUOTA_EXCEEDED: 'A reported count is above the licensed quota; the pool is degraded.',
  MEMBER_BLOCKED: 'The member is beyond the licensed quantity and is blocked.',
  LEASE_NOT_FOUND: 'No live lease exists for this module and holder (it expired, was released or was evicted).',
  LEASE_EVICTED:
    'The lease was evicted: to make room for another holder, or because the licensed quantity fell below the slots in use.',
  NOT_FOUND: 'The requested resource does not exist.',
  CONFLICT: 'The request conflicts with the current state.',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used before with a different request.',
  UNAUTHENTICATED: 'No valid API token was presented.',
  FORBIDDEN: "The token's role may not perform this operation.",
  RATE_LIMITED: 'Too many requests for this token; retry after the given delay.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than the server accepts.',
  SCOPE_NOT_CENTRALIZED: 'Only a node with a centralized license can allocate to subdivisions.',
  ALLOCATION_EXCEEDED: 'Allocations would sum above the quantity the node holds.',
  ALLOCATION_STALE: 'The allocation document is older than one the node already took (a replay); it is refused.',
  SYNC_BLOCKED: 'The child node is beyond the licensed number of subordinate servers.',
  STORE_UNAVAILABLE: 'The store cannot be reached; retry later.',
  INSUFFICIENT_BALANCE: 'The billing account balance does not cover the charge (e.g. the first period of a rental).',
  ISSUER_KEY_MISSING:
    'This node holds no issuer private key, so it cannot sign license files (start it with --issuer-dir).',
  WEBHOOK_URL_INVALID: 'A webhook URL is not an absolute http(s) URL with a host (no credentials, no fragment).',
  REQUEST_MALFORMED:
    'The HTTP request itself cannot be read (bad Content-Length, a control character in a header, a broken request line).',
  REQUEST_TIMEOUT: 'The request headers or body did not arrive in time; the connection is closed.',
  HEADERS_TOO_LARGE: 'The request headers are larger than the server accepts.',
  UNSUPPORTED_MEDIA_TYPE: 'The request body is not application/json.',
  METHOD_NOT_ALLOWED: 'The path exists but not with this method; the Allow header lists the methods it takes.',
  CONNECTION_LIMIT:
    'Too many open connections or SDK sessions from this client IP or with this token; close some or retry later.',
  CHILD_LIMIT_REACHED:
    'This node token has registered as many child nodes as the parent allows (--max-children-per-token).',
  AMOUNT_OUT_OF_RANGE:
    'A money amount or a balance would leave the exact range of integer minor units the node accepts.',
  INTERNAL: 'An unexpected server error; the requestId identifies it in the logs.',
} as const;

/** A stable error code string. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when the string is a known error code. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}
