import type { ErrorCode } from '@licensor/protocol';

/** Codes the SDK raises itself, beside the node's registry: the node was unreachable or did not answer in time. */
export type SdkErrorCode = 'CONNECTION_FAILED' | 'REQUEST_TIMEOUT';

/** Every code a `LicensingError` can carry. */
export type LicensingErrorCode = ErrorCode | SdkErrorCode;

/** Fields every licensing error can be built from (a problem+json body, or what the SDK knows locally). */
export interface LicensingErrorInit {
  code: LicensingErrorCode;
  detail: string;
  status?: number;
  data?: Record<string, unknown>;
  requestId?: string;
  field?: string;
  cause?: unknown;
}

/** Base class of every error the SDK throws: `code` is stable, `detail` is readable, `data` carries the facts. */
export class LicensingError extends Error {
  /** Stable error code from the protocol registry (or an SDK-only code). */
  readonly code: LicensingErrorCode;
  /** HTTP status the node mapped the code to, when the answer came from the node. */
  readonly status?: number;
  /** Human-readable explanation, e.g. "connections exceeded: 5 of 5 in use". */
  readonly detail: string;
  /** Machine-readable facts (e.g. `{ used: 5, quantity: 5 }`). */
  readonly data: Record<string, unknown>;
  /** The node's request id, to find the request in its logs. */
  readonly requestId?: string;
  /** The request field at fault, when one is. */
  readonly field?: string;

  constructor(init: LicensingErrorInit) {
    super(`${init.code}: ${init.detail}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.detail = init.detail;
    this.data = init.data ?? {};
    if (init.status !== undefined) this.status = init.status;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.field !== undefined) this.field = init.field;
  }
}
