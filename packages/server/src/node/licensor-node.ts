import type { Store, StoredEvent } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import { Admission } from './admission.js';
import { DecisionRunner } from './decision-runner.js';
import { EventFeed } from './event-feed.js';
import { ForeignEvents } from './foreign-events.js';
import { Grants } from './grants.js';
import { LicenseInstaller } from './license-installer.js';
import { NodeLicense, type NodeLicenseOptions } from './node-license.js';
import { PoolOwnership } from './pool-ownership.js';
import { PoolTable } from './pool-table.js';
import { OwnershipLostError } from '../store/pool-ownership-locks.js';
import { Reaper } from './reaper.js';

/** What a node needs to run. */
export interface NodeOptions extends NodeLicenseOptions {
  store: Store;
  /** How long a dropped SDK session's leases survive, waiting for the device to come back. */
  sessionGraceMs: number;
}

/**
 * A Licensor node's services, wired: its license, grants, pools, admission decisions, reaper and event feed. Pool
 * state lives in memory and is decided by the pure core; every change is made durable before the caller is answered.
 * Only the composition root holds this; every other part is handed the service it needs.
 */
export class LicensorNode {
  readonly store: Store;
  readonly clock: Clock;
  readonly feed = new EventFeed();
  readonly licensing: NodeLicense;
  readonly pools: PoolTable;
  readonly runner: DecisionRunner;
  readonly grants: Grants;
  readonly installer: LicenseInstaller;
  readonly admission: Admission;
  readonly reaper: Reaper;
  /** On a shared store: the pools this process decides (the others are forwarded to their owners). */
  readonly ownership: PoolOwnership | null;
  private readonly foreign: ForeignEvents | null;

  constructor(options: NodeOptions) {
    const { store, clock } = options;
    this.store = store;
    this.clock = clock;
    this.licensing = new NodeLicense(options);
    this.pools = new PoolTable(store, clock, options.catalog);
    this.ownership = store.shared
      ? new PoolOwnership(store.shared, clock, {
          taken: async (moduleId) => {
            // A reload after a failed commit may hold a snapshot read before this take: let it land first.
            while (this.pools.recovering) await this.pools.recovering.catch(() => undefined);
            await this.pools.reload([moduleId]);
            this.pools.unsettled.add(moduleId);
          },
          licenseInstalledAt: () => this.licensing.license?.installedAt ?? null,
        })
      : null;
    this.runner = new DecisionRunner(store, clock, this.feed, this.pools, this.ownership, async (err) => {
      // A fence refused the commit: another process took a pool, or installed another license.
      if (!(err instanceof OwnershipLostError)) return;
      await this.ownership?.verify();
      await this.installer.reloadLicense().catch(() => undefined);
    });
    this.grants = new Grants(this.licensing, this.pools, this.runner);
    this.installer = new LicenseInstaller(this.licensing, this.grants, store, this.feed, clock);
    this.admission = new Admission(this.licensing, this.grants, this.pools, this.runner, clock, options.sessionGraceMs);
    this.reaper = new Reaper(this.licensing, this.grants, this.pools, this.runner, store, clock, this.ownership);
    this.foreign = store.shared
      ? new ForeignEvents(store.shared, this.feed, this.installer, this.pools, (id) => this.runner.owns(id))
      : null;
  }

  /** Calls `listener` with the events other processes commit (a shared store); returns the unsubscribe function. */
  onForeignEvents(listener: (events: StoredEvent[]) => void): () => void {
    const listeners = this.foreign?.listeners;
    listeners?.add(listener);
    return () => listeners?.delete(listener);
  }

  /** Loads the stored license and pool state; call once before serving. */
  async start(): Promise<void> {
    await this.store.migrate();
    // Other processes' events: taken from the head before loading, so nothing committed meanwhile is missed.
    const head = this.store.shared ? await this.store.shared.headSeq() : 0;
    await this.licensing.load(this.store);
    this.pools.adopt(this.licensing.refresh());
    await this.pools.reload();
    await this.grants.apply();
    this.licensing.watchDrive();
    this.foreign?.follow(head);
  }

  /** Stops accepting work and waits for queued commits. */
  async close(): Promise<void> {
    this.licensing.stopWatching();
    await this.runner.drain();
    await this.ownership?.close().catch(() => undefined);
    await this.foreign?.stop();
    await this.licensing.persistTime(this.store).catch(() => {});
    await this.store.close();
  }
}
