import { useEffect, useMemo, useState } from 'react';
import type { Api } from '../api/api-client.js';
import type { FeedEvent } from '../api/types.js';
import { useSession } from '../app/session-context.js';
import { formatDateTime } from '../components/format.js';
import { ErrorNotice } from '../components/notice.js';
import { VirtualTable } from '../components/virtual-table.js';

/** Events kept in the page at most; older ones are in the feed (GET /v1/events). */
const KEEP = 5000;
const INITIAL = 1000;

/** The cursor of the newest stored event: the feed is read oldest first, so its end is found by doubling, then halving. */
async function feedEnd(api: Api): Promise<number> {
  const has = async (after: number) =>
    (await api<{ events: FeedEvent[] }>('GET', `/v1/events?after=${after}&limit=1`)).events.length > 0;
  if (!(await has(0))) return 0;
  let lo = 0;
  let hi = 1;
  while (await has(hi)) {
    lo = hi;
    hi *= 2;
  }
  // Events after lo exist, none after hi: the newest has seq in (lo, hi].
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await has(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

function tone(type: string): string {
  if (/blocked|evicted|force_released|expired|lapsed|exceeded|rolled_back|unreachable/.test(type)) return 'bad';
  if (/grace|expiring|withdrawn/.test(type)) return 'warn';
  return 'neutral';
}

/** The event feed, newest first, growing live; filter by type, module or text. */
export function EventsPage() {
  const { api, subscribe } = useSession();
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [paused, setPaused] = useState(false);
  const [type, setType] = useState('');
  const [moduleId, setModuleId] = useState('');
  const [text, setText] = useState('');

  useEffect(() => {
    let stop = false;
    (async () => {
      const end = await feedEnd(api);
      const r = await api<{ events: FeedEvent[] }>(
        'GET',
        `/v1/events?after=${Math.max(0, end - INITIAL)}&limit=${INITIAL}`,
      );
      if (!stop) setEvents((live) => merge(live, r.events));
    })().catch((err: Error) => setError(err));
    return () => {
      stop = true;
    };
  }, [api]);

  // Live events are gathered and merged a few times a second: a burst of thousands re-renders the list a few times,
  // not thousands of times.
  useEffect(() => {
    if (paused) return;
    let pending: FeedEvent[] = [];
    const timer = setInterval(() => {
      if (!pending.length) return;
      const batch = pending;
      pending = [];
      setEvents((list) => merge(list, batch));
    }, 250);
    const unsubscribe = subscribe((e) => {
      pending.push(e);
    });
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, [subscribe, paused]);

  const types = useMemo(() => [...new Set(events.map((e) => e.type))].sort(), [events]);
  const shown = useMemo(() => {
    const t = text.trim().toLowerCase();
    return events.filter(
      (e) =>
        (!type || e.type === type) &&
        (!moduleId || String(e.moduleId) === moduleId.trim()) &&
        (!t || `${e.type} ${e.subject ?? ''} ${JSON.stringify(e.data ?? {})}`.toLowerCase().includes(t)),
    );
  }, [events, type, moduleId, text]);

  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      {error && <ErrorNotice error={error} />}
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter events">
        <label>
          <span>Type</span>
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">All types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Module</span>
          <input
            inputMode="numeric"
            value={moduleId}
            onChange={(e) => setModuleId(e.target.value)}
            placeholder="e.g. 4001"
            size={8}
          />
        </label>
        <label className="grow">
          <span>Search</span>
          <input
            type="search"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder="holder, member, account…"
          />
        </label>
        <button
          type="button"
          className={paused ? 'primary' : 'secondary'}
          onClick={() => setPaused(!paused)}
          aria-pressed={paused}
        >
          {paused ? 'Resume live' : 'Pause live'}
        </button>
      </form>
      <p className="muted small" aria-live="polite">
        {shown.length} of {events.length} events{paused ? ' · paused' : ' · live'}
      </p>
      <VirtualTable
        label="Events, newest first"
        rows={shown}
        rowKey={(e) => String(e.seq)}
        empty="No event matches."
        columns={[
          { header: 'When', render: (e) => formatDateTime(e.at) },
          { header: 'Event', render: (e) => <span className={`badge badge-${tone(e.type)}`}>{e.type}</span> },
          { header: 'Module', render: (e) => e.moduleId ?? '—', className: 'num' },
          { header: 'Subject', render: (e) => <code>{e.subject ?? '—'}</code> },
          {
            header: 'Details',
            render: (e) => <span className="details">{summary(e.data)}</span>,
            className: 'hide-narrow',
          },
        ]}
      />
    </section>
  );
}

function merge(list: FeedEvent[], more: FeedEvent[]): FeedEvent[] {
  const seen = new Set(list.map((e) => e.seq));
  const fresh = more.filter((e) => !seen.has(e.seq));
  if (!fresh.length) return list;
  return [...list, ...fresh].sort((a, b) => b.seq - a.seq).slice(0, KEEP);
}

function summary(data: Record<string, unknown> | null): string {
  if (!data) return '';
  return Object.entries(data)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' · ');
}
