import { useMemo, useState } from 'react';
import { ApiError } from '../api/api-client.js';
import type { CatalogModule, Holder, MemberRow, PoolDetail } from '../api/types.js';
import { Link } from '../app/router.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { useInterval } from '../app/use-interval.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { describeStrategy, formatAgo, formatDateTime, formatDuration } from '../components/format.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { StateBadge } from '../components/state-badge.js';
import { memberWords, poolWords } from '../components/state-words.js';
import { UsageBar } from '../components/usage-bar.js';
import { VirtualTable } from '../components/virtual-table.js';

/** Pages of 1,000 read at most: 50,000 holders, far beyond any licensed quantity. */
const MAX_PAGES = 50;

/** Reads every holder and member of a pool, page by page. */
async function loadPool(api: ReturnType<typeof useSession>['api'], moduleId: number): Promise<PoolDetail> {
  let cursor: string | null = null;
  let memberCursor: number | null = 0;
  let first: PoolDetail | null = null;
  const holders: Holder[] = [];
  const members: MemberRow[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ limit: '1000', memberCursor: String(memberCursor ?? 0) });
    if (cursor) q.set('cursor', cursor);
    const r: PoolDetail = await api<PoolDetail>('GET', `/v1/pools/${moduleId}?${q}`);
    first ??= r;
    if (page === 0 || cursor) holders.push(...r.holders);
    if (memberCursor !== null) members.push(...r.members);
    cursor = r.nextCursor;
    memberCursor = r.nextMemberCursor;
    if (!cursor && memberCursor === null) break;
    // Holders are done but members go on: ask past the last holder so the holder page comes back empty.
    if (!cursor) cursor = '\u007f';
  }
  return { ...(first as PoolDetail), holders, members };
}

/** One pool: its holders (virtualized, filterable) with force-release, its members in order, its quota. */
export function PoolDetailPage({ moduleId }: { moduleId: number }) {
  const { api } = useSession();
  const pool = useApiData(
    () => loadPool(api, moduleId),
    `pool-${moduleId}`,
    (e) => e.moduleId === moduleId || e.type.startsWith('license.'),
  );
  const [filter, setFilter] = useState('');
  const [releasing, setReleasing] = useState<Holder | null>(null);
  const [removing, setRemoving] = useState<MemberRow | null>(null);
  // Add-on names for blocked members; the catalog rarely changes, so it is read once per page.
  const catalog = useApiData(() => api<{ modules: CatalogModule[] }>('GET', '/v1/catalog'), 'catalog');
  const names = useMemo(() => new Map((catalog.data?.modules ?? []).map((m) => [m.id, m.name])), [catalog.data]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'info' | 'bad'; text: string } | null>(null);
  // "12 s ago" moves on by itself between live updates.
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 5000);
  const d = pool.data;
  const holders = useMemo(() => {
    const all = d?.holders ?? [];
    const f = filter.trim().toLowerCase();
    return f ? all.filter((h) => h.holderId.toLowerCase().includes(f)) : all;
  }, [d, filter]);
  const blocked = (d?.members ?? []).filter((m) => m.state === 'blocked');
  const blockedBeyond = blocked.filter((m) => m.blockedReason !== 'features_unlicensed');
  const blockedForAddOns = blocked.filter((m) => m.blockedReason === 'features_unlicensed');

  const forceRelease = async () => {
    if (!releasing) return;
    setBusy(true);
    try {
      await api('POST', `/v1/modules/${moduleId}/leases/${encodeURIComponent(releasing.holderId)}/revoke`);
      setMessage({
        tone: 'info',
        text: `Released ${releasing.holderId}'s slot. The holder is told at once over its session.`,
      });
      pool.reload();
    } catch (err) {
      setMessage({ tone: 'bad', text: err instanceof ApiError ? `${err.code}: ${err.detail}` : String(err) });
    } finally {
      setBusy(false);
      setReleasing(null);
    }
  };

  const removeMember = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      const r = await api<{ unblocked: string[] }>(
        'DELETE',
        `/v1/modules/${moduleId}/members/${encodeURIComponent(removing.memberId)}`,
      );
      const now = r.unblocked?.length ? ` Now active: ${r.unblocked.join(', ')}.` : '';
      setMessage({ tone: 'info', text: `Removed ${removing.memberId}: its place is free.${now}` });
      pool.reload();
    } catch (err) {
      setMessage({ tone: 'bad', text: err instanceof ApiError ? `${err.code}: ${err.detail}` : String(err) });
    } finally {
      setBusy(false);
      setRemoving(null);
    }
  };

  if (pool.error && !d) return <ErrorNotice error={pool.error} />;
  if (!d) return <p className="muted">Loading…</p>;
  const s = d.summary;
  const isMembers = s.strategy === 'BLOCK_LATEST';
  const countsLeases = s.strategy === 'REJECT_NEW' || s.strategy === 'EVICT_INACTIVE';
  const state = poolWords(s, d.policy, d.quota);
  return (
    <section aria-labelledby="pool-title">
      <p className="crumbs">
        <Link to="/pools">Pools</Link> / {s.moduleId}
      </p>
      <h1 id="pool-title">{s.name}</h1>
      <div className="pool-head card">
        <div>
          <div className="muted small">In use</div>
          <UsageBar used={s.used} quantity={s.quantity} label={`${s.name} in use`} />
        </div>
        <dl className="facts facts-inline">
          <dt>Policy</dt>
          <dd>{describeStrategy(s.strategy)}</dd>
          {(countsLeases || s.holders > 0) && (
            <>
              <dt>Holders</dt>
              <dd>{s.holders}</dd>
            </>
          )}
          {isMembers && (
            <>
              <dt>Members</dt>
              <dd>{s.members}</dd>
              <dt>Blocked</dt>
              <dd className={s.blocked ? 'text-bad strong' : undefined}>{s.blocked}</dd>
            </>
          )}
          {d.quota && (
            <>
              <dt>Quota</dt>
              <dd>
                <StateBadge state={d.quota.state} /> {d.quota.count} of {s.quantity ?? '∞'} counted, reported{' '}
                {formatAgo(d.quota.reportedAt)}
              </dd>
            </>
          )}
        </dl>
      </div>
      {message && <Notice tone={message.tone}>{message.text}</Notice>}
      {/* Blocked members get their own notices below, naming them. */}
      {!(isMembers && blocked.length > 0) && <p className={`pool-state pool-state-${state.tone}`}>{state.text}</p>}

      {isMembers && blockedBeyond.length > 0 && (
        <Notice tone="bad">
          <strong>{blockedBeyond.length} blocked:</strong> {blockedBeyond.map((m) => m.memberId).join(', ')} — connected
          beyond the licensed {s.quantity}. They become active in connection order when one is removed or the license
          grows.
        </Notice>
      )}
      {isMembers && blockedForAddOns.length > 0 && (
        <Notice tone="bad">
          <strong>{blockedForAddOns.length} blocked for add-ons:</strong>{' '}
          {blockedForAddOns.map((m) => m.memberId).join(', ')} — the profile enables add-ons the license does not grant.
          Their sync stops until the profile drops them or the license grants them; they take no seat meanwhile.
        </Notice>
      )}

      {(countsLeases || d.holders.length > 0) && (
        <>
          <div className="section-head">
            <h2>
              Holders <span className="count">{d.holders.length}</span>
            </h2>
            <label className="filter">
              <span className="visually-hidden">Filter holders by id</span>
              <input
                type="search"
                placeholder="Filter by holder id"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
            </label>
          </div>
          <VirtualTable
            label={`Holders of ${s.name}`}
            rows={holders}
            rowKey={(h) => h.holderId}
            empty={filter ? 'No holder matches the filter.' : 'Nobody holds a slot of this pool.'}
            rowClass={(h) => (h.state === 'expired' ? 'row-muted' : undefined)}
            columns={[
              { header: 'Holder', render: (h) => <code className="holder-id">{h.holderId}</code> },
              { header: 'Since', render: (h) => formatDateTime(h.since), className: 'hide-narrow' },
              { header: 'Last heartbeat', render: (h) => formatAgo(h.lastHeartbeatAt, now) },
              ...(s.strategy === 'EVICT_INACTIVE'
                ? [
                    {
                      header: 'Idle for',
                      render: (h: Holder) => formatDuration(Math.max(0, now - h.lastActivityAt)),
                      className: 'hide-narrow',
                    },
                  ]
                : []),
              { header: 'State', render: (h) => <StateBadge state={h.state} /> },
              {
                header: 'Action',
                className: 'actions',
                render: (h) => (
                  <button
                    type="button"
                    className="danger small-btn"
                    onClick={() => setReleasing(h)}
                    aria-label={`Force-release ${h.holderId}`}
                  >
                    <span className="hide-narrow">Force release</span>
                    <span className="show-narrow">Release</span>
                  </button>
                ),
              },
            ]}
          />
        </>
      )}

      {isMembers && (
        <>
          <h2>
            Members <span className="count">{d.members.length}</span>
          </h2>
          <VirtualTable
            label={`Members of ${s.name}`}
            rows={d.members}
            rowKey={(m) => m.memberId}
            empty="No member is connected."
            rowClass={(m) => (m.state === 'blocked' ? 'row-bad' : undefined)}
            columns={[
              { header: '#', render: (m) => m.position, className: 'num' },
              { header: 'Member', render: (m) => <code>{m.memberId}</code> },
              { header: 'State', render: (m) => <StateBadge state={m.state} /> },
              {
                header: 'Why',
                render: (m) => {
                  const w = memberWords(m, s.quantity, names);
                  return (
                    <span className="small" title={w.text}>
                      {w.short ?? w.text}
                    </span>
                  );
                },
              },
              { header: 'Connected', render: (m) => formatDateTime(m.firstConnectedAt), className: 'hide-narrow' },
              { header: 'Last seen', render: (m) => formatAgo(m.lastSeenAt, now) },
              {
                header: 'Add-ons',
                render: (m) => (m.features.length ? m.features.join(', ') : '—'),
                className: 'hide-narrow',
              },
              {
                header: 'Action',
                className: 'actions',
                render: (m) => (
                  <button
                    type="button"
                    className="danger small-btn"
                    onClick={() => setRemoving(m)}
                    aria-label={`Remove ${m.memberId}`}
                  >
                    Remove
                  </button>
                ),
              },
            ]}
          />
        </>
      )}

      <ConfirmDialog
        open={removing !== null}
        title="Remove this member?"
        confirmLabel="Remove"
        danger
        busy={busy}
        onConfirm={removeMember}
        onCancel={() => setRemoving(null)}
      >
        <p>
          <code>{removing?.memberId}</code> is removed from {s.name} for good: its place frees now and the next blocked
          member becomes active, in connection order. Should it connect again, it joins at the end of the line.
        </p>
      </ConfirmDialog>

      <ConfirmDialog
        open={releasing !== null}
        title="Force-release this slot?"
        confirmLabel="Force release"
        danger
        busy={busy}
        onConfirm={forceRelease}
        onCancel={() => setReleasing(null)}
      >
        <p>
          <code>{releasing?.holderId}</code> loses its slot in {s.name} now. The application is told at once and has to
          acquire again, which it can only do while a slot is free.
        </p>
      </ConfirmDialog>
    </section>
  );
}
