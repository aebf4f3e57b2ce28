import { LicensingError } from './licensing-error.js';

/** The license grants nothing for this module, or the module is unknown (MODULE_NOT_LICENSED, MODULE_UNKNOWN). */
export class ModuleNotLicensedError extends LicensingError {}
