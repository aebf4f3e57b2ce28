import type { AdmissionApi } from '../node/pool-ops.js';
import type { PublishedEvent } from '../node/decision-runner.js';
import type { GrantControl } from '../node/grants.js';
import type { LicenseHolder } from '../node/license-installer.js';
import type { NodeLicense, NodeLicenseOptions } from '../node/node-license.js';
import type { PoolReader } from '../node/pool-table.js';
import type { NewAuditRecord, Store } from '../store/store.js';
import type { Clock } from '../time/clock.js';

/** What the hierarchy uses of its node: the license it holds, its grants, members, pools, events, store and clock. */
export interface HierarchyNode
  extends GrantControl,
    LicenseHolder,
    Pick<
      NodeLicense,
      'catalog' | 'heldQuantities' | 'heldAllocation' | 'blockedByParent' | 'licenseState' | 'licensed'
    >,
    Pick<AdmissionApi, 'syncMember' | 'removeMember'>,
    PoolReader {
  readonly options: Pick<NodeLicenseOptions, 'hardwareKey' | 'issuerPublicKey'>;
  readonly store: Store;
  readonly clock: Clock;
  /** Stores events (and an audit entry) in one transaction, then announces them. */
  publish(events: PublishedEvent[], audit?: NewAuditRecord): Promise<void>;
}
