import { LicensingError } from './licensing-error.js';

/** The token is missing, invalid, or its role may not do this (UNAUTHENTICATED, FORBIDDEN). */
export class AuthenticationError extends LicensingError {}
