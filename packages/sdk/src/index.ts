// First: defines Symbol.asyncDispose where the runtime lacks it, before any class uses it as a method key.
import './async-dispose-polyfill.js';

/** Options of `verifyLicenseFile`: publicKey, hardwareKey?, at?, clockToleranceMs? (allowed clock skew, default 0). */
export type { VerifyOptions } from '@licensor/protocol';
/**
 * Verifies a license file offline (armor, Ed25519 signature, shape, optional hardware key, validity window), with no
 * node involved. `clockToleranceMs` allows that much clock skew at both ends of the validity window (default 0), so
 * a device whose clock is a little off does not reject a license that just started or is about to end.
 */
export { verifyLicenseFile } from '@licensor/protocol';
/** Options of `verifyWebhookSignature`: now? (ms, default Date.now()), toleranceMs? (default 5 minutes). */
export type { VerifyWebhookOptions } from '@licensor/protocol';
/**
 * For webhook receivers: true when a delivery's `licensor-signature` header signs its raw body with the webhook's
 * secret, within 5 minutes of this clock. `WEBHOOK_SIGNATURE_HEADER` is that header's name.
 */
export { verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_SIGNATURE_TOLERANCE_MS } from '@licensor/protocol';
export type {
  CatalogModule,
  ClientLicense,
  LeaseLostPush,
  LicenseStatePush,
  MemberState,
  MemberStatePush,
  NodeStatus,
  OperationCheck,
  ProfileCheck,
  QuotaState,
  QuotaStatePush,
  SessionHello,
} from './client-results.js';
export { AuthenticationError } from './errors/authentication-error.js';
export { ConnectionError } from './errors/connection-error.js';
export { FeatureNotLicensedError } from './errors/feature-not-licensed-error.js';
export { InsufficientLicenseError } from './errors/insufficient-license-error.js';
export { LeaseLostError } from './errors/lease-lost-error.js';
export { LicenseExpiredError } from './errors/license-expired-error.js';
export { LicenseMissingError } from './errors/license-missing-error.js';
export {
  LicensingError,
  type LicensingErrorCode,
  type LicensingErrorInit,
  type SdkErrorCode,
} from './errors/licensing-error.js';
export { ModuleNotLicensedError } from './errors/module-not-licensed-error.js';
export { QuotaExceededError } from './errors/quota-exceeded-error.js';
export { type ProblemLike, toLicensingError } from './errors/to-licensing-error.js';
export { ValidationError } from './errors/validation-error.js';
export { Lease, type LeaseLicense } from './lease.js';
export {
  type LoadedPlugin,
  type LoadPluginOptions,
  loadPlugin,
  type PluginClass,
  type PluginLicenseHooks,
} from './load-plugin.js';
export { type AnyClass, getLicensedModuleId, licensedModule } from './licensed-module.js';
export { LicensingClient } from './licensing-client.js';
export type { LicensingClientEvents } from './licensing-client-events.js';
export type { LicensingClientOptions, TransportKind } from './licensing-client-options.js';
export type { EventMap, Listener } from './typed-emitter.js';
export type { WebSocketConstructor, WebSocketLike, WebSocketOptions } from './web-socket-like.js';
