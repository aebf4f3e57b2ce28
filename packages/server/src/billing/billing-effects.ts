import type { Catalog } from '@licensor/core';
import { fail } from '@licensor/protocol';
import type { IssuerKeys } from '../issuer/issuer-keys.js';
import type { Clock } from '../time/clock.js';
import type { FaultHook } from '../node/fault-injection.js';
import type { LicenseHolder } from '../node/license-installer.js';
import type { BillingStore, BillingTx } from '../store/billing-store.js';
import { type AuditActor, eventId, type NewEvent, type StoredEvent } from '../store/store.js';

/** Who acts when no person does (the renewal scheduler, internal calls). */
export const SYSTEM_ACTOR: AuditActor = { tokenId: null, name: 'system' };

/** What the billing services share: the store, the catalog, the clock, the signing keys and the node they run on. */
export interface BillingParts {
  store: BillingStore;
  catalog: Catalog;
  clock: Clock;
  /** The vendor's signing keys; without them accounts and top-ups work, issuing and renewing licenses does not. */
  issuer: IssuerKeys | null;
  /** The node this runs on: license files for its own hardware key are installed on it; events go to its feed. */
  node: LicenseHolder;
}

/** What the billing service needs. */
export interface BillingServiceOptions extends BillingParts {
  /** How long before an unfunded period end `license.expiring` is sent (default 3 days). */
  expiringLeadMs?: number;
  /** Test-only crash points (LICENSOR_FAULT); absent in production. */
  fault?: FaultHook;
}

/** Side effects of a committed transaction: events to announce, license files to install on this node. */
export interface Effects {
  events: NewEvent[];
  seqs: number[];
  install: string[];
}

/** No effects yet. */
export function newEffects(): Effects {
  return { events: [], seqs: [], install: [] };
}

/** ISO 8601 text of an epoch-ms time. */
export const iso = (t: number) => new Date(t).toISOString();

/** The refusal when this node cannot sign license files. */
export function noIssuer() {
  return fail(
    'ISSUER_KEY_MISSING',
    'this node holds no issuer private key (start it with --issuer-dir pointing at a directory with issuer.key), so it cannot issue or renew licenses',
  );
}

/** Appends an event to the feed inside the transaction; it is announced once the transaction has committed. */
export async function recordEvent(
  tx: BillingTx,
  effects: Effects,
  at: number,
  type: string,
  subject: string,
  data: Record<string, unknown>,
): Promise<void> {
  const e: NewEvent = { type, moduleId: null, subject, data, at };
  effects.seqs.push(await tx.insertEvent(e));
  effects.events.push(e);
}

/** After the commit: tell subscribers, install renewed files for this very node. */
export async function applyEffects(node: LicenseHolder, effects: Effects): Promise<void> {
  const stored: StoredEvent[] = effects.events.map((e, i) => ({
    ...e,
    seq: effects.seqs[i] ?? 0,
    id: eventId(effects.seqs[i] ?? 0),
  }));
  if (stored.length) node.announce(stored);
  for (const text of effects.install) await node.installLicense(text, 'billing');
}
