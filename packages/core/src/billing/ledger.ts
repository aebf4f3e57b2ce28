import { fail, ok, type Outcome } from '@licensor/protocol';
import { checkBalanceRoom, type Money, validateCurrency, validateMinorUnits } from './money.js';

/**
 * Kinds of ledger entries. Signs: `topup` > 0, `rental_charge` < 0, `refund` > 0 (money given back to the balance,
 * e.g. for a charge made in error), `adjustment` either sign (a correction by staff).
 */
export type LedgerEntryKind = 'topup' | 'rental_charge' | 'refund' | 'adjustment';

/** One append-only line of a billing account's ledger. The balance is the sum of the amounts, never stored. */
export interface LedgerEntry {
  id: string;
  accountId: string;
  kind: LedgerEntryKind;
  /** Signed, in minor units of `currency`. */
  amount: number;
  currency: string;
  /** Payment reference of a top-up (unique), or a staff reference of a refund/adjustment. */
  reference: string | null;
  /** The rental a charge pays for, and which of its periods (0 = the first). */
  rentalId: string | null;
  periodIndex: number | null;
  note: string | null;
  at: number;
}

/** The balance of entries in one currency; entries in another currency are a programming error. */
export function balanceOf(entries: readonly Pick<LedgerEntry, 'amount' | 'currency'>[], currency: string): Money {
  let amount = 0;
  for (const e of entries) {
    if (e.currency !== currency) throw new RangeError(`ledger entry in ${e.currency} in a ${currency} account`);
    amount += e.amount;
  }
  if (!Number.isSafeInteger(amount)) throw new RangeError('balance exceeds the safe integer range');
  return { amount, currency };
}

const REFERENCE = /^[\x21-\x7e]{1,200}$/;

/** What a top-up request carries. */
export interface TopUpInput {
  amount: number;
  currency: string;
  reference: string;
}

/** Checks a top-up against the account's currency; the message names the field. */
export function validateTopUp(
  input: { amount?: unknown; currency?: unknown; reference?: unknown },
  accountCurrency: string,
): Outcome<TopUpInput> {
  const amount = validateMinorUnits(input.amount, 'amount');
  if (!amount.ok) return amount;
  const currency = validateCurrency(input.currency);
  if (!currency.ok) return currency;
  if (currency.value !== accountCurrency)
    return fail(
      'VALIDATION_FAILED',
      `currency ${currency.value} does not match the account's currency ${accountCurrency}`,
      { field: 'currency' },
    );
  if (typeof input.reference !== 'string' || !REFERENCE.test(input.reference)) {
    return fail('VALIDATION_FAILED', 'reference (the payment reference) must be 1–200 printable ASCII characters', {
      field: 'reference',
    });
  }
  return ok({ amount: amount.value, currency: currency.value, reference: input.reference });
}

/** Is a repeated top-up with an already recorded reference the same payment (duplicate) or a conflict. */
export function sameTopUp(
  recorded: Pick<LedgerEntry, 'accountId' | 'amount' | 'currency'>,
  accountId: string,
  input: TopUpInput,
): boolean {
  return recorded.accountId === accountId && recorded.amount === input.amount && recorded.currency === input.currency;
}

/** Checks a refund or adjustment: the balance must not go below zero. */
export function validateCorrection(kind: 'refund' | 'adjustment', amount: unknown, balance: Money): Outcome<number> {
  const a = validateMinorUnits(amount, 'amount', { allowNegative: kind === 'adjustment' });
  if (!a.ok) return a;
  if (balance.amount + a.value < 0) {
    return fail('VALIDATION_FAILED', `amount ${a.value} would take the balance (${balance.amount}) below zero`, {
      field: 'amount',
    });
  }
  const room = checkBalanceRoom(balance.amount, a.value);
  return room.ok ? ok(a.value) : room;
}
