import type { ErrorCode } from './error-codes.js';

/** RFC 9457 problem details as Licensor returns them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId?: string;
  /** The request field at fault, when one is. */
  field?: string;
  /** Extra machine-readable facts (e.g. `{ used: 5, quantity: 5 }`). */
  data?: Record<string, unknown>;
  /** True when the node runs a developer license: the answer is non-production. */
  nonProduction?: boolean;
}
