import { LicensingError } from './licensing-error.js';

/** The pool is over quota (QUOTA_EXCEEDED) and the asked operation is refused in that state. */
export class QuotaExceededError extends LicensingError {}
