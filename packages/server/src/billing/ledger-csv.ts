import type { StoredLedgerEntry } from '../store/billing-store.js';

const HEADER = ['seq', 'id', 'at', 'kind', 'amount', 'currency', 'reference', 'rental_id', 'period_index', 'note'];

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula is prefixed with `'`. */
function field(value: string | number | null, text = false): string {
  if (value === null) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The ledger as RFC 4180 CSV (CRLF line ends), amounts in integer minor units, times in ISO-8601 UTC. */
export function ledgerCsv(entries: readonly StoredLedgerEntry[]): string {
  const lines = [HEADER.join(',')];
  for (const e of entries) {
    lines.push(
      [
        field(e.seq),
        field(e.id),
        field(new Date(e.at).toISOString()),
        field(e.kind),
        field(e.amount),
        field(e.currency),
        field(e.reference, true),
        field(e.rentalId),
        field(e.periodIndex),
        field(e.note, true),
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
