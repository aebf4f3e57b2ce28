import type { ConnectionError } from './errors/connection-error.js';
import type { LicensingError } from './errors/licensing-error.js';
import type { Lease } from './lease.js';
import type { LicenseStatePush, MemberStatePush, QuotaStatePush, SessionHello } from './client-results.js';

/** Events of a LicensingClient. Pushes arrive only over the session transport. */
export type LicensingClientEvents = {
  /** A lease was taken away (push, failed heartbeat, failed re-acquire, or the session stayed down past the grace). */
  leaseLost: [lease: Lease, error: LicensingError];
  /** A member of a BLOCK_LATEST pool was blocked or unblocked. */
  memberState: [state: MemberStatePush];
  /** A DEGRADE pool went over quota or back. */
  quotaState: [state: QuotaStatePush];
  /**
   * The node's license changed: its state (valid, missing, expired, …), the non-production flag or what it grants.
   * By the time listeners run, `client.license`, `client.nonProduction` and every held lease's `nonProduction` and
   * `license` already say the new thing.
   */
  licenseState: [state: LicenseStatePush];
  /** The session opened (`reconnected` after a drop) and the node said hello. */
  connected: [hello: SessionHello, reconnected: boolean];
  /** The session dropped; the client is reconnecting and will re-take its leases. */
  disconnected: [error: ConnectionError];
};
