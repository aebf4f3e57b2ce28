import { LicensingError } from './licensing-error.js';

/** A feature enabled in a profile has no license (FEATURE_NOT_LICENSED); `data.missingFeatures` names them. */
export class FeatureNotLicensedError extends LicensingError {}
