import { StableMap } from '@licensor/protocol';
import type { LicensorNode } from '../node/licensor-node.js';
import type { StoredEvent } from '../store/store.js';

/** What a session wants to hear about. */
export interface SessionListener {
  /** An event about a lease, member or quota this session registered for. */
  onSubjectEvent(event: StoredEvent, key: string): void;
  /** A license event, which every session hears. */
  onLicenseEvent(event: StoredEvent): void;
}

/**
 * Routes committed events to the sessions that care, by `moduleId:subject` (and `moduleId` for quotas): one map
 * lookup per event, however many sessions are connected.
 */
export class SessionRegistry {
  // Keys are watched and unwatched with every acquire and release: a StableMap reuses their entries.
  private readonly bySubject = new StableMap<string, Set<SessionListener>>();
  private readonly sessions = new Set<SessionListener>();

  private lastLicenseState: string;

  constructor(private readonly node: LicensorNode) {
    this.lastLicenseState = node.licenseState().state;
    node.onEvent((e) => this.dispatch(e));
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
      // license state, when it changes or a new license is installed on the node.
      const state = this.node.licenseState().state;
      const own = e.type === 'license.installed' && e.subject === this.node.license?.payload.id;
      if (state === this.lastLicenseState && !own) return;
      this.lastLicenseState = state;
      for (const s of this.sessions) s.onLicenseEvent(e);
      return;
    }
    const key = e.type.startsWith('quota.') ? `quota:${e.moduleId}` : `${e.moduleId}:${e.subject}`;
    const set = this.bySubject.get(key);
    if (set) for (const s of [...set]) s.onSubjectEvent(e, key);
  }
}
