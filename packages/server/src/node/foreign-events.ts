import type { SharedPoolStore } from '../store/shared-pool-store.js';
import type { StoredEvent } from '../store/store.js';
import type { EventFeed } from './event-feed.js';
import type { LicenseInstaller } from './license-installer.js';
import type { PoolTable } from './pool-table.js';

/**
 * Events other processes commit to the shared store: handed to this process's subscribers (SDK sessions, live feeds),
 * a license another process installed is loaded here too, and the views of pools other processes own are refreshed
 * soon after.
 */
export class ForeignEvents {
  private stopFollowing: (() => Promise<void>) | null = null;
  /** Parts of the node that act on what other processes committed (the hierarchy reloads its children's shares). */
  readonly listeners = new Set<(events: StoredEvent[]) => void>();
  private refreshTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly shared: SharedPoolStore,
    private readonly feed: EventFeed,
    private readonly installer: LicenseInstaller,
    private readonly pools: PoolTable,
    /** Whether this process decides a pool (those are never reloaded from the store). */
    private readonly owns: (moduleId: number) => boolean,
  ) {}

  /** Follows the events committed after `head` (taken before loading, so nothing committed meanwhile is missed). */
  follow(head: number): void {
    this.stopFollowing = this.shared.follow(head, (events) => this.received(events));
  }

  /** Stops following and drops a pending refresh. */
  async stop(): Promise<void> {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.stopFollowing?.();
  }

  private async received(events: StoredEvent[]): Promise<void> {
    let touched = false;
    for (const e of events) {
      if (e.type === 'license.installed') await this.installer.reloadLicense().catch(() => undefined);
      if (e.moduleId) touched = true;
      this.feed.emit(e);
    }
    for (const listener of this.listeners) listener(events);
    if (touched && !this.refreshTimer) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = null;
        this.pools.reloadForeign(this.owns).catch(() => undefined);
      }, 250);
      this.refreshTimer.unref();
    }
  }
}
