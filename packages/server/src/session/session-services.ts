import type { AdmissionApi } from '../node/pool-ops.js';
import type { EventSubscriptions } from '../node/event-feed.js';
import type { NodeLicense } from '../node/node-license.js';
import type { PoolReader } from '../node/pool-table.js';

/** The node services an SDK session works with: admission decisions, the license, pools and the event feed. */
export interface SessionServices {
  admission: AdmissionApi;
  licensing: NodeLicense;
  pools: PoolReader;
  feed: EventSubscriptions;
}
