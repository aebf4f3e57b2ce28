import { LicensingError } from './licensing-error.js';

/** Every slot of the pool is in use (INSUFFICIENT_LICENSE): the next device in the queue must be declined. */
export class InsufficientLicenseError extends LicensingError {}
