import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/api-client.js';
import type { Account, LedgerEntry } from '../api/types.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { formatDateTime, formatMoney, parseAmount } from '../components/format.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { StateBadge } from '../components/state-badge.js';

const billingEvent = (e: { type: string }) => /^(billing|rental|license)\./.test(e.type);

const KIND: Record<LedgerEntry['kind'], string> = {
  topup: 'Top-up',
  rental_charge: 'Rental charge',
  refund: 'Refund',
  adjustment: 'Adjustment',
};

/** Prepaid accounts: balance, rentals with their paid period, the ledger, and recording a top-up. */
export function BillingPage() {
  const { api } = useSession();
  const accounts = useApiData(() => api<{ accounts: Account[] }>('GET', '/v1/billing/accounts'), 'all', billingEvent);
  const [selected, setSelected] = useState<string | null>(null);
  const list = accounts.data?.accounts ?? [];
  const account = list.find((a) => a.id === selected) ?? list[0] ?? null;
  return (
    <section aria-labelledby="billing-title">
      <h1 id="billing-title">Billing</h1>
      {accounts.error && <ErrorNotice error={accounts.error} />}
      {accounts.data && list.length === 0 && (
        <div className="empty card">
          <h2>No billing accounts</h2>
          <p className="muted">
            Accounts live on the vendor’s node:{' '}
            <code>licensor billing account-create --customer "…" --currency EUR</code>.
          </p>
        </div>
      )}
      {list.length > 0 && (
        <div className="billing-layout">
          <nav aria-label="Accounts" className="account-list">
            <ul>
              {list.map((a) => (
                <li key={a.id}>
                  <button
                    type="button"
                    className={`account-item${a.id === account?.id ? ' selected' : ''}`}
                    aria-pressed={a.id === account?.id}
                    onClick={() => setSelected(a.id)}
                  >
                    <span className="strong">{a.customer.name}</span>
                    <span className="muted small">{a.id}</span>
                    <span className={a.balance <= 0 ? 'text-bad' : undefined}>
                      {formatMoney(a.balance, a.currency)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          {account && <AccountDetail key={account.id} account={account} onChanged={accounts.reload} />}
        </div>
      )}
    </section>
  );
}

function AccountDetail({ account, onChanged }: { account: Account; onChanged(): void }) {
  const { api } = useSession();
  const ledger = useApiData(
    () =>
      api<{ entries: LedgerEntry[] }>(
        'GET',
        `/v1/billing/accounts/${encodeURIComponent(account.id)}/ledger?limit=10000`,
      ),
    `${account.id}-${account.balance}`,
    billingEvent,
  );
  const entries = [...(ledger.data?.entries ?? [])].reverse();
  return (
    <div className="account-detail">
      <div className="cards">
        <article className="card" aria-labelledby="balance-title">
          <h2 id="balance-title">{account.customer.name}</h2>
          <div className="muted small">Balance</div>
          <div className={`balance ${account.balance <= 0 ? 'text-bad' : ''}`}>
            {formatMoney(account.balance, account.currency)}
          </div>
          <TopUpForm account={account} onDone={onChanged} />
        </article>
        <article className="card" aria-labelledby="rentals-title">
          <h2 id="rentals-title">Rentals</h2>
          {account.rentals.length === 0 ? (
            <p className="muted">No rental on this account.</p>
          ) : (
            <ul className="rentals">
              {account.rentals.map((r) => (
                <li key={r.id}>
                  <div>
                    <StateBadge state={r.status} /> <code>{r.id}</code>{' '}
                    {r.installedHere && <span className="badge badge-neutral">this node</span>}
                  </div>
                  <div className="small">
                    Paid until <strong>{formatDateTime(r.paidUntil)}</strong>
                    {r.notAfter && <> · license runs until {formatDateTime(r.notAfter)}</>}
                  </div>
                  {r.status !== 'active' && (
                    <div className="text-bad small">A top-up that covers the next period renews it at once.</div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </article>
      </div>
      <h2>Ledger</h2>
      {ledger.error && <ErrorNotice error={ledger.error} />}
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Kind</th>
              <th scope="col">Reference</th>
              <th scope="col" className="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No entries yet.
                </td>
              </tr>
            )}
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>{KIND[e.kind] ?? e.kind}</td>
                <td>
                  <code>{e.reference ?? e.rentalId ?? '—'}</code>
                  {e.note && <div className="muted small">{e.note}</div>}
                </td>
                <td className={`num ${e.amount < 0 ? 'text-bad' : 'text-ok'}`}>{formatMoney(e.amount, e.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function TopUpForm({ account, onDone }: { account: Account; onDone(): void }) {
  const { api } = useSession();
  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  const [message, setMessage] = useState<{ tone: 'info' | 'bad'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const minor = parseAmount(amount, account.currency);
    if (minor === null)
      return setMessage({ tone: 'bad', text: `Enter an amount of ${account.currency}, e.g. 50 or 49.90.` });
    if (!reference.trim())
      return setMessage({ tone: 'bad', text: 'Enter the payment reference (it makes the top-up count once).' });
    setBusy(true);
    try {
      const r = await api<{ duplicate: boolean; renewed: string[] }>(
        'POST',
        `/v1/billing/accounts/${encodeURIComponent(account.id)}/topups`,
        { amount: minor, currency: account.currency, reference: reference.trim() },
      );
      setMessage({
        tone: 'info',
        text: r.duplicate
          ? 'This payment reference was already recorded; nothing changed.'
          : `Recorded ${formatMoney(minor, account.currency)}.${r.renewed.length ? ` Renewed ${r.renewed.join(', ')}.` : ''}`,
      });
      setAmount('');
      setReference('');
      onDone();
    } catch (err) {
      setMessage({ tone: 'bad', text: err instanceof ApiError ? `${err.code}: ${err.detail}` : String(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="topup" onSubmit={submit} aria-label="Record a top-up">
      <h3>Record a top-up</h3>
      <div className="form-row">
        <label>
          <span>Amount ({account.currency})</span>
          <input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="100.00" />
        </label>
        <label>
          <span>Payment reference</span>
          <input value={reference} onChange={(e) => setReference(e.target.value)} placeholder="bank-2026-11-23-0001" />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Recording…' : 'Top up'}
        </button>
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
    </form>
  );
}
