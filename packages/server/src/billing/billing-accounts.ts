import type { LedgerEntry } from '@licensor/core';
import { checkBalanceRoom, sameTopUp, validateCorrection, validateCurrency, validateTopUp } from '@licensor/core';
import { fail, newId, type Outcome, ok } from '@licensor/protocol';
import type { BillingAccount, BillingTx, StoredLedgerEntry } from '../store/billing-store.js';
import type { AuditActor } from '../store/store.js';
import {
  applyEffects,
  type BillingServiceOptions,
  type Effects,
  newEffects,
  recordEvent,
  SYSTEM_ACTOR,
} from './billing-effects.js';
import { type AccountView, accountView, type RentalView, rentalView } from './billing-views.js';
import { advanceRental, type RenewalContext } from './rental-renewal.js';

/** What a top-up answers. */
export interface TopUpResult {
  duplicate: boolean;
  entry: StoredLedgerEntry;
  account: AccountView;
  renewed: string[];
}

/**
 * Prepaid accounts and their append-only ledger: payments, refunds and adjustments. A payment renews, in its own
 * transaction, the account's rentals that it now funds.
 */
export class BillingAccounts {
  constructor(
    private readonly options: BillingServiceOptions,
    private readonly renewal: () => RenewalContext,
  ) {}

  private get now(): number {
    return this.options.clock.now();
  }

  /** Opens a billing account for a customer in one currency. */
  async create(input: { customerName: string; customerId?: string; currency: string }): Promise<Outcome<AccountView>> {
    const name = input.customerName.trim();
    if (!name) return fail('VALIDATION_FAILED', 'customerName is empty', { field: 'customerName' });
    const currency = validateCurrency(input.currency);
    if (!currency.ok) return currency;
    const account: BillingAccount = {
      id: newId('acc'),
      customerId: input.customerId ?? newId('cus'),
      customerName: name,
      currency: currency.value,
      createdAt: this.now,
    };
    await this.options.store.atomically((tx) => tx.insertAccount(account));
    return ok(accountView(account, 0));
  }

  /** An account with its balance. */
  async get(id: string): Promise<Outcome<AccountView>> {
    return this.options.store.read(async (tx) => {
      const a = await tx.getAccount(id);
      return a
        ? ok(accountView(a, await tx.balance(id)))
        : fail('NOT_FOUND', `no billing account ${id}`, { field: 'id' });
    });
  }

  /** Every account with its balance and its rentals (without their license files), oldest first. */
  async list(limit: number): Promise<{ accounts: (AccountView & { rentals: Omit<RentalView, 'license'>[] })[] }> {
    const installed = this.options.node.license?.text;
    return this.options.store.read(async (tx) => {
      const accounts: (AccountView & { rentals: Omit<RentalView, 'license'>[] })[] = [];
      for (const a of await tx.listAccounts(limit)) {
        const rentals: Omit<RentalView, 'license'>[] = [];
        for (const r of await tx.rentalsOfAccount(a.id)) {
          const { license: _text, ...view } = rentalView(r, await tx.latestIssued(r.licenseId), installed);
          rentals.push(view);
        }
        accounts.push({ ...accountView(a, await tx.balance(a.id)), rentals });
      }
      return { accounts };
    });
  }

  /**
   * Records a payment. The payment reference makes it idempotent: the same reference again is not recorded twice and
   * answers `duplicate: true`. In the same transaction, rentals of the account that are lapsed, in grace or due are
   * renewed as far as the new balance covers them, oldest first.
   */
  async topUp(
    accountId: string,
    input: { amount: unknown; currency: unknown; reference: unknown },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<TopUpResult>> {
    const effects = newEffects();
    const result = await this.options.store.atomically((tx) =>
      this.topUpIn(tx, effects, accountId, input, actor, this.now),
    );
    await applyEffects(this.options.node, effects);
    return result;
  }

  private async topUpIn(
    tx: BillingTx,
    effects: Effects,
    accountId: string,
    input: { amount: unknown; currency: unknown; reference: unknown },
    actor: AuditActor,
    now: number,
  ): Promise<Outcome<TopUpResult>> {
    const a = await tx.getAccount(accountId);
    if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
    const t = validateTopUp(input, a.currency);
    if (!t.ok) return t;
    const seen = await tx.findTopUp(t.value.reference);
    if (seen) {
      if (!sameTopUp(seen, a.id, t.value)) {
        return fail(
          'CONFLICT',
          `payment reference ${t.value.reference} is already recorded for another top-up (${seen.accountId}, ${seen.amount} ${seen.currency})`,
          { field: 'reference' },
        );
      }
      return ok({ duplicate: true, entry: seen, account: accountView(a, await tx.balance(a.id)), renewed: [] });
    }
    const room = checkBalanceRoom(await tx.balance(a.id), t.value.amount);
    if (!room.ok) return room;
    const entry: LedgerEntry = {
      ...this.entry(a, 'topup', t.value.amount, now),
      reference: t.value.reference,
    };
    const seq = await tx.insertLedger(entry);
    const details = { amount: entry.amount, currency: a.currency, reference: entry.reference };
    await recordEvent(tx, effects, now, 'billing.topped_up', a.id, { ...details, balance: await tx.balance(a.id) });
    await tx.insertAudit({ id: newId('aud'), at: now, actor, action: 'billing.topped_up', target: a.id, details });
    const renewed: string[] = [];
    for (const r of await tx.rentalsOfAccount(a.id)) {
      if (r.status === 'active' && r.periodEnd > now) continue;
      if (!this.options.issuer) continue;
      if ((await advanceRental(this.renewal(), tx, r, now, effects)) === 'renewed') renewed.push(r.id);
    }
    return ok({ duplicate: false, entry: { ...entry, seq }, account: accountView(a, await tx.balance(a.id)), renewed });
  }

  /** A refund (credit back to the balance) or a staff adjustment (either sign); never below a zero balance. */
  async correct(
    accountId: string,
    input: { kind: 'refund' | 'adjustment'; amount: unknown; currency: unknown; reference?: string; note?: string },
    actor: AuditActor = SYSTEM_ACTOR,
  ): Promise<Outcome<{ entry: StoredLedgerEntry; account: AccountView }>> {
    const effects = newEffects();
    const now = this.now;
    const result = await this.options.store.atomically(
      async (tx): Promise<Outcome<{ entry: StoredLedgerEntry; account: AccountView }>> => {
        const a = await tx.getAccount(accountId);
        if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
        if (input.currency !== a.currency)
          return fail('VALIDATION_FAILED', `currency must be the account's currency ${a.currency}`, {
            field: 'currency',
          });
        const balance = { amount: await tx.balance(a.id), currency: a.currency };
        const amount = validateCorrection(input.kind, input.amount, balance);
        if (!amount.ok) return amount;
        const entry: LedgerEntry = {
          ...this.entry(a, input.kind, amount.value, now),
          reference: input.reference ?? null,
          note: input.note ?? null,
        };
        const seq = await tx.insertLedger(entry);
        await recordEvent(tx, effects, now, `billing.${input.kind}`, a.id, {
          amount: entry.amount,
          currency: a.currency,
          balance: await tx.balance(a.id),
        });
        await tx.insertAudit({
          id: newId('aud'),
          at: now,
          actor,
          action: `billing.${input.kind}`,
          target: a.id,
          details: { amount: entry.amount, currency: a.currency, reference: entry.reference, note: entry.note },
        });
        return ok({ entry: { ...entry, seq }, account: accountView(a, await tx.balance(a.id)) });
      },
    );
    await applyEffects(this.options.node, effects);
    return result;
  }

  /** Ledger entries oldest first after a cursor. */
  async ledger(
    accountId: string,
    after: number,
    limit: number,
  ): Promise<Outcome<{ account: AccountView; entries: StoredLedgerEntry[]; nextCursor: number }>> {
    return this.options.store.read(async (tx) => {
      const a = await tx.getAccount(accountId);
      if (!a) return fail('NOT_FOUND', `no billing account ${accountId}`, { field: 'id' });
      const entries = await tx.listLedger(accountId, after, limit);
      return ok({
        account: accountView(a, await tx.balance(a.id)),
        entries,
        nextCursor: entries.at(-1)?.seq ?? after,
      });
    });
  }

  /** A ledger entry of the account without reference, rental or note. */
  private entry(a: BillingAccount, kind: LedgerEntry['kind'], amount: number, at: number): LedgerEntry {
    const base = { reference: null, rentalId: null, periodIndex: null, note: null };
    return { id: newId('led'), accountId: a.id, kind, amount, currency: a.currency, ...base, at };
  }
}
