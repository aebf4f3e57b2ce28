import { LicensingError } from './licensing-error.js';

/** The node has no valid license installed (LICENSE_MISSING); client work is refused until one arrives. */
export class LicenseMissingError extends LicensingError {}
