import type { RentalPeriod } from '@licensor/protocol';

const DAY = 86_400_000;

/** Days in a month (month 0–11) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The instant `n` periods after `anchor` (UTC). A month is a calendar month counted from the anchor, clamped to the
 * month's last day and keeping the time of day: from Jan 31, one month is Feb 28 (Feb 29 in a leap year), two months
 * is Mar 31 — always counted from the anchor, so the day never drifts to the 28th for good.
 */
export function addPeriods(anchor: number, period: RentalPeriod, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`period count must be a non-negative integer, got ${n}`);
  if (period === 'day') return anchor + n * DAY;
  if (period === 'week') return anchor + n * 7 * DAY;
  const a = new Date(anchor);
  const months = a.getUTCMonth() + n;
  const year = a.getUTCFullYear() + Math.floor(months / 12);
  const month = months % 12;
  const day = Math.min(a.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds(), a.getUTCMilliseconds());
}
