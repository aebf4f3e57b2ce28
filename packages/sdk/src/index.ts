export { verifyLicenseFile } from '@licensor/protocol';
