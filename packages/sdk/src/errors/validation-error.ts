import { LicensingError } from './licensing-error.js';

/** The node rejected a request field (VALIDATION_FAILED); `field` names it. */
export class ValidationError extends LicensingError {}
