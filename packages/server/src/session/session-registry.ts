import { StableMap } from '@licensor/protocol';
import type { StoredEvent } from '../store/store.js';
import type { SessionServices } from './session-services.js';
import { type LicenseSnapshot, licenseSnapshot, snapshotKey } from '../transport/license-snapshot.js';

/** What a session wants to hear about. */
export interface SessionListener {
  /** An event about a lease, member or quota this session registered for. */
  onSubjectEvent(event: StoredEvent, key: string): void;
  /** A change of the node's license (state, non-production flag or what it grants), which every session hears. */
  onLicenseEvent(event: StoredEvent, license: LicenseSnapshot): void;
}

/**
 * Routes committed events to the sessions that care, by `moduleId:subject` (and `moduleId` for quotas): one map
 * lookup per event, however many sessions are connected.
 */
export class SessionRegistry {
  // Keys are watched and unwatched with every acquire and release: a StableMap reuses their entries.
  private readonly bySubject = new StableMap<string, Set<SessionListener>>();
  private readonly sessions = new Set<SessionListener>();

  private lastLicense: string;

  constructor(private readonly node: SessionServices) {
    this.lastLicense = snapshotKey(licenseSnapshot(node.licensing, node.pools));
    node.feed.onEvent((e) => this.dispatch(e));
  }

  /** Adds a connected session. */
  add(s: SessionListener): void {
    this.sessions.add(s);
  }

  /** Removes a session and all its subscriptions. */
  remove(s: SessionListener, keys: Iterable<string>): void {
    this.sessions.delete(s);
    for (const k of keys) this.unwatch(s, k);
  }

  /** Subscribes a session to events of one key (`moduleId:subject` or `quota:moduleId`). */
  watch(s: SessionListener, key: string): void {
    const set = this.bySubject.get(key);
    if (set) set.add(s);
    else this.bySubject.set(key, new Set([s]));
  }

  /** Unsubscribes a session from one key. */
  unwatch(s: SessionListener, key: string): void {
    const set = this.bySubject.get(key);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.bySubject.delete(key);
  }

  private dispatch(e: StoredEvent): void {
    // Allocations and the parent's verdict are this node's license too, when it is a child in a tree.
    if (e.type.startsWith('license.') || e.type.startsWith('allocation.') || e.type.startsWith('upstream.')) {
      // A vendor node also raises license events for its customers' licenses: sessions hear only this node's own
      // license, when its state, its non-production flag or what it grants changes, or a new one is installed here.
      const license = licenseSnapshot(this.node.licensing, this.node.pools);
      const key = snapshotKey(license);
      const own = e.type === 'license.installed' && e.subject === this.node.licensing.license?.payload.id;
      if (key === this.lastLicense && !own) return;
      this.lastLicense = key;
      for (const s of this.sessions) s.onLicenseEvent(e, license);
      return;
    }
    const key = e.type.startsWith('quota.') ? `quota:${e.moduleId}` : `${e.moduleId}:${e.subject}`;
    const set = this.bySubject.get(key);
    if (set) for (const s of [...set]) s.onSubjectEvent(e, key);
  }
}
