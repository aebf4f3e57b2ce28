import { LicensingError } from './licensing-error.js';

/** The node could not be reached, the session dropped twice under a request, or it timed out (CONNECTION_FAILED, REQUEST_TIMEOUT). */
export class ConnectionError extends LicensingError {}
