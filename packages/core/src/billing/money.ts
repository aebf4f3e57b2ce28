import { fail, ok, type Outcome } from '@licensor/protocol';

/** An amount of money in integer minor units (cents, kopecks) of an ISO 4217 currency. Never a float. */
export interface Money {
  amount: number;
  currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

/** Minor-unit exponents that differ from 2 (ISO 4217); every other currency has 2 decimals. */
const EXPONENTS: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  VND: 0,
  CLP: 0,
  ISK: 0,
  UGX: 0,
  BHD: 3,
  KWD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
  IQD: 3,
  LYD: 3,
};

/** Decimal places of a currency's minor unit. */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

/** Checks an ISO 4217 code (three capital letters). */
export function validateCurrency(currency: unknown, field = 'currency'): Outcome<string> {
  if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
    return fail(
      'VALIDATION_FAILED',
      `${field} must be an ISO 4217 code of three capital letters (e.g. EUR), got ${JSON.stringify(currency)}`,
      { field },
    );
  }
  return ok(currency);
}

/**
 * The largest amount, and the largest balance, in minor units: 10^15 (ten trillion in a two-decimal currency). Sums of
 * a ledger stay far inside the range where integers are exact (2^53), so no cent is ever lost to rounding.
 */
export const MAX_MINOR_UNITS = 1_000_000_000_000_000;

/** Checks an amount in minor units: an integer within ±MAX_MINOR_UNITS, positive unless `allowZero`/`allowNegative`. */
export function validateMinorUnits(
  amount: unknown,
  field = 'amount',
  opts: { allowZero?: boolean; allowNegative?: boolean } = {},
): Outcome<number> {
  if (typeof amount !== 'number' || !Number.isInteger(amount)) {
    return fail(
      'VALIDATION_FAILED',
      `${field} must be an integer number of minor units (cents), got ${JSON.stringify(amount)}`,
      { field },
    );
  }
  if (Math.abs(amount) > MAX_MINOR_UNITS)
    return fail('AMOUNT_OUT_OF_RANGE', `${field} must be at most ${MAX_MINOR_UNITS} minor units, got ${amount}`, {
      field,
    });
  if (amount === 0 && !opts.allowZero) return fail('VALIDATION_FAILED', `${field} must not be zero`, { field });
  if (amount < 0 && !opts.allowNegative)
    return fail('VALIDATION_FAILED', `${field} must be positive, got ${amount}`, { field });
  return ok(amount);
}

/** Checks that adding `amount` keeps a balance within MAX_MINOR_UNITS. */
export function checkBalanceRoom(balance: number, amount: number, field = 'amount'): Outcome<number> {
  if (balance + amount > MAX_MINOR_UNITS) {
    return fail(
      'AMOUNT_OUT_OF_RANGE',
      `${field} ${amount} would take the balance (${balance}) above ${MAX_MINOR_UNITS} minor units, the most an account holds`,
      { field },
    );
  }
  return ok(balance + amount);
}

/** Formats minor units for people: `1234 EUR` → `12.34 EUR`, `-5 EUR` → `-0.05 EUR`, `500 JPY` → `500 JPY`. */
export function formatMoney(m: Money): string {
  const exp = currencyExponent(m.currency);
  const sign = m.amount < 0 ? '-' : '';
  const abs = Math.abs(m.amount);
  if (exp === 0) return `${sign}${abs} ${m.currency}`;
  const scale = 10 ** exp;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(exp, '0')} ${m.currency}`;
}

/** Parses an amount people write in major units (`50`, `12.34`) into minor units, exactly (no floating point). */
export function parseMoney(text: string, currency: string, field = 'amount'): Outcome<number> {
  const exp = currencyExponent(currency);
  const m = /^(\d{1,15})(?:\.(\d+))?$/.exec(text.trim());
  if (!m || (m[2] !== undefined && m[2].length > exp)) {
    return fail(
      'VALIDATION_FAILED',
      `${field} ${JSON.stringify(text)} is not an amount of ${currency} (digits, at most ${exp} decimals)`,
      { field },
    );
  }
  const minor = Number(m[1]) * 10 ** exp + Number((m[2] ?? '').padEnd(exp, '0') || '0');
  if (minor > MAX_MINOR_UNITS)
    return fail('AMOUNT_OUT_OF_RANGE', `${field} must be at most ${MAX_MINOR_UNITS} minor units`, { field });
  return Number.isSafeInteger(minor) && minor > 0
    ? ok(minor)
    : fail('VALIDATION_FAILED', `${field} must be positive`, { field });
}
