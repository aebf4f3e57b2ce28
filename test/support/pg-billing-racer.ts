// A second process for test/billing-renewal.postgres.test.ts: renews one rental period by period on a PostgreSQL
// store, each attempt starting at a given instant and holding its transaction open a while, so two of these race.
// Usage: node --import tsx pg-billing-racer.ts URL RENTAL_ID START_AT_MS PERIODS; prints {"won":[period…]}.
import { PostgresStore } from '../../packages/server/src/store/postgres/postgres-store.js';

const [url, rentalId, startAtText, periodsText] = process.argv.slice(2) as [string, string, string, string];
const store = new PostgresStore(url);
const won: number[] = [];
for (let p = 1; p <= Number(periodsText); p++) {
  const at = Number(startAtText) + p * 400;
  await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const result = await store.billing
    .atomically(async (tx) => {
      const r = await tx.getRental(rentalId);
      if (!r || r.periodIndex !== p - 1) return 'moved';
      // Widen the race: the other process reads the same period meanwhile and then waits on this row's lock.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const moved = { ...r, periodIndex: p, updatedAt: at };
      if (!(await tx.updateRental(moved, { periodIndex: r.periodIndex, status: r.status })))
        throw new Error('race lost');
      await tx.insertLedger({
        id: `led_${process.pid}_${p}`,
        accountId: r.accountId,
        kind: 'rental_charge',
        amount: -1000,
        currency: 'EUR',
        reference: null,
        rentalId,
        periodIndex: p,
        note: null,
        at,
      });
      return 'won';
    })
    .catch(() => 'lost');
  if (result === 'won') won.push(p);
}
await store.close();
process.stdout.write(`${JSON.stringify({ won })}\n`);
