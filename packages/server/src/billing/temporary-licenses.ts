import {
  type Entitlement,
  fail,
  type KeySource,
  type LicensePayload,
  type LicenseScope,
  newId,
  type Outcome,
  ok,
  peekLicenseFile,
  signLicense,
} from '@licensor/protocol';
import { buildLicensePayload } from '../issuer/issue-license.js';
import type { AuditActor } from '../store/store.js';
import {
  applyEffects,
  type BillingParts,
  iso,
  newEffects,
  noIssuer,
  recordEvent,
  SYSTEM_ACTOR,
} from './billing-effects.js';

/** Temporary licenses by request: issued with an end date by an admin, extended (same id, later end) on request. */
export class TemporaryLicenseService {
  constructor(readonly options: BillingParts) {}

  private get store() {
    return this.options.store;
  }

  private get ownKey(): string {
    return this.options.node.options.hardwareKey.key;
  }

  /** Issues a temporary license with an end date (sales on written request); kept so it can be extended. */
  async issue(
    input: {
      customerName: string;
      customerId?: string;
      hardwareKey: string;
      scope: LicenseScope;
      entitlements: Entitlement[];
      until: string;
      keySource?: KeySource;
    },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<{ license: string; payload: LicensePayload; installedHere: boolean }>> {
    const keys = this.options.issuer;
    if (!keys) return noIssuer();
    const until = Date.parse(input.until);
    if (Number.isNaN(until))
      return fail('VALIDATION_FAILED', `until ${JSON.stringify(input.until)} is not a date`, { field: 'until' });
    const now = this.options.clock.now();
    const built = buildLicensePayload(
      {
        customerName: input.customerName,
        ...(input.customerId ? { customerId: input.customerId } : {}),
        hardwareKey: input.hardwareKey,
        scope: input.scope,
        term: { type: 'temporary', until: new Date(until) },
        entitlements: input.entitlements,
        issuer: keys.kid,
        notBefore: new Date(now),
        ...(input.keySource ? { keySource: input.keySource } : {}),
      },
      this.options.catalog,
      new Date(now),
    );
    if (!built.ok) return built;
    const payload = built.value.payload;
    const text = signLicense(payload, keys.privateKey, keys.publicKey);
    const effects = newEffects();
    if (payload.hardwareKey === this.ownKey) effects.install.push(text);
    await this.store.atomically(async (tx) => {
      await tx.insertIssued({
        licenseId: payload.id,
        rentalId: null,
        hardwareKey: payload.hardwareKey,
        notAfter: until,
        text,
        issuedAt: now,
      });
      await recordEvent(tx, effects, now, 'license.issued', payload.id, {
        customer: payload.customer.name,
        term: 'temporary',
        notAfter: payload.notAfter,
      });
      await tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: 'license.issued',
        target: payload.id,
        details: {
          customer: payload.customer.name,
          hardwareKey: payload.hardwareKey,
          scope: payload.scope,
          term: 'temporary',
          notAfter: payload.notAfter,
          entitlements: payload.entitlements,
        },
      });
    });
    await applyEffects(this.options.node, effects);
    return ok({ license: text, payload, installedHere: this.options.node.license?.text === text });
  }

  /** The current file of a license this node issued. */
  async issued(
    licenseId: string,
  ): Promise<Outcome<{ license: string; payload: LicensePayload; rentalId: string | null }>> {
    return this.store.read(async (tx) => {
      const l = await tx.latestIssued(licenseId);
      if (!l) return fail('NOT_FOUND', `this node issued no license ${licenseId}`, { field: 'id' });
      const p = peekLicenseFile(l.text);
      if (!p.ok) return p;
      return ok({ license: l.text, payload: p.value, rentalId: l.rentalId });
    });
  }

  /** Extends a temporary license: re-issues the same license id with a later end date. */
  async extend(
    licenseId: string,
    untilText: string,
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<
    Outcome<{ license: string; payload: LicensePayload; previousNotAfter: string | null; installedHere: boolean }>
  > {
    const keys = this.options.issuer;
    if (!keys) return noIssuer();
    const until = Date.parse(untilText);
    if (Number.isNaN(until))
      return fail('VALIDATION_FAILED', `until ${JSON.stringify(untilText)} is not a date`, { field: 'until' });
    const now = this.options.clock.now();
    const effects = newEffects();
    const result = await this.store.atomically(async (tx) => {
      const l = await tx.latestIssued(licenseId);
      if (!l) return fail('NOT_FOUND', `this node issued no license ${licenseId}`, { field: 'id' });
      const p = peekLicenseFile(l.text);
      if (!p.ok) return p;
      const prev = p.value;
      if (prev.term.type === 'permanent')
        return fail('CONFLICT', `license ${licenseId} is permanent: it has no end date to extend`);
      if (prev.term.type === 'rental')
        return fail(
          'CONFLICT',
          `license ${licenseId} is a rental: it is extended by topping up its billing account (rental ${l.rentalId})`,
        );
      if (until <= now) return fail('VALIDATION_FAILED', `until ${iso(until)} is in the past`, { field: 'until' });
      if (prev.notAfter !== null && until <= Date.parse(prev.notAfter))
        return fail('VALIDATION_FAILED', `until ${iso(until)} is not after the current end ${prev.notAfter}`, {
          field: 'until',
        });
      const payload: LicensePayload = { ...prev, issuedAt: iso(now), notAfter: iso(until) };
      const text = signLicense(payload, keys.privateKey, keys.publicKey);
      await tx.insertIssued({
        licenseId,
        rentalId: null,
        hardwareKey: payload.hardwareKey,
        notAfter: until,
        text,
        issuedAt: now,
      });
      await recordEvent(tx, effects, now, 'license.extended', licenseId, {
        previousNotAfter: prev.notAfter,
        notAfter: payload.notAfter,
      });
      await tx.insertAudit({
        id: newId('aud'),
        at: now,
        actor,
        action: 'license.extended',
        target: licenseId,
        details: { previousNotAfter: prev.notAfter, notAfter: payload.notAfter },
      });
      if (payload.hardwareKey === this.ownKey) effects.install.push(text);
      return ok({ license: text, payload, previousNotAfter: prev.notAfter });
    });
    await applyEffects(this.options.node, effects);
    if (!result.ok) return result;
    return ok({ ...result.value, installedHere: this.options.node.license?.text === result.value.license });
  }
}
