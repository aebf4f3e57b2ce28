import { newId, ok, type Outcome } from '@licensor/protocol';
import { type AuditActor, eventId, type NewEvent, type Store, type StoredEvent } from '../store/store.js';
import type { Clock } from '../time/clock.js';
import type { EventFeed } from './event-feed.js';
import type { Grants } from './grants.js';
import type { InstalledLicense } from './license-state.js';
import type { NodeLicense } from './node-license.js';
import type { NodeHardwareKey } from './node-hardware-key.js';

/** Installs license files: the status route, `serve --license`, rental renewals. */
export interface LicenseInstallation {
  /** Verifies a license file for this node, then installs it; `actor` is who installs it. */
  installLicense(text: string, actor: string | AuditActor): Promise<Outcome<InstalledLicense>>;
}

/** What billing needs of the node: its key, its license, installing renewed files, announcing billing events. */
export interface LicenseHolder extends LicenseInstallation {
  readonly options: { readonly hardwareKey: NodeHardwareKey };
  /** The installed license, if any. */
  readonly license: InstalledLicense | null;
  /** Hands events another transaction already stored to the live subscribers of the feed. */
  announce(events: StoredEvent[]): void;
}

/** Installs license files on this node and loads those another process installed on a shared store. */
export class LicenseInstaller implements LicenseHolder {
  constructor(
    private readonly licensing: NodeLicense,
    private readonly grants: Grants,
    private readonly store: Store,
    private readonly feed: EventFeed,
    private readonly clock: Clock,
  ) {}

  /** Who the node is (its hardware key), as its license is judged. */
  get options(): { readonly hardwareKey: NodeHardwareKey } {
    return this.licensing.options;
  }

  /** The installed license, if any. */
  get license(): InstalledLicense | null {
    return this.licensing.license;
  }

  /** Hands events another transaction already stored (billing, rentals) to the live subscribers of the feed. */
  announce(events: StoredEvent[]): void {
    this.feed.announce(events);
  }

  /**
   * Verifies a license file against the issuer key and this node's hardware key, then installs it. `actor` is who
   * installs it (a token, or a name such as `cli`); the audit entry is written in the same transaction.
   */
  async installLicense(text: string, actor: string | AuditActor): Promise<Outcome<InstalledLicense>> {
    const v = this.licensing.verify(text, false);
    if (!v.ok) return v;
    const now = this.clock.now();
    const who: AuditActor = typeof actor === 'string' ? { tokenId: null, name: actor } : actor;
    const by = who.tokenId ? `${who.name} (${who.tokenId})` : who.name;
    const lic = v.value.payload;
    const installed = { ...v.value, text, installedAt: now };
    const details = {
      customer: lic.customer.name,
      scope: lic.scope,
      notAfter: lic.notAfter,
      developer: lic.developer?.id ?? null,
      keySource: lic.keySource,
    };
    const event: NewEvent = {
      type: 'license.installed',
      moduleId: null,
      subject: lic.id,
      data: { by, ...details },
      at: now,
    };
    const seq = await this.store.putLicense(text, now, event, {
      id: newId('aud'),
      at: now,
      actor: who,
      action: 'license.installed',
      target: lic.id,
      details,
    });
    this.licensing.install(installed);
    await this.grants.apply();
    // Live subscribers get the event exactly as the feed stores it (same id, sequence and data).
    this.feed.emit({ ...event, seq, id: eventId(seq) });
    return ok(installed);
  }

  /** Loads the license the store holds (another process installed it) and re-sizes the pools. */
  async reloadLicense(): Promise<void> {
    const stored = await this.store.getLicense();
    if (!stored) return;
    const installed = this.licensing.license;
    if (installed && stored.text === installed.text) {
      this.licensing.install({ ...installed, installedAt: stored.installedAt });
      return;
    }
    const v = this.licensing.verify(stored.text, true);
    if (!v.ok) return;
    this.licensing.install({ ...v.value, text: stored.text, installedAt: stored.installedAt });
    await this.grants.apply();
  }
}
