import { LicensingError } from './licensing-error.js';

/** The license or allocation has passed its end date, or is not yet valid (LICENSE_EXPIRED, LICENSE_NOT_YET_VALID). */
export class LicenseExpiredError extends LicensingError {}
