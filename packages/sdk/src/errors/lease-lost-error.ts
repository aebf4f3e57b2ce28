import { LicensingError } from './licensing-error.js';

/** The lease is gone: released, expired, force-released or evicted (LEASE_NOT_FOUND, LEASE_EVICTED). */
export class LeaseLostError extends LicensingError {}
