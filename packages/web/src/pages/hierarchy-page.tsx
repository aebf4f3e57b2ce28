import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/api-client.js';
import type { ChildNode, NodesAnswer, PoolSummary, UpstreamAnswer } from '../api/types.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { useInterval } from '../app/use-interval.js';
import { formatAgo, formatDateTime } from '../components/format.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { StateBadge } from '../components/state-badge.js';
import { childWords, upstreamWords } from '../components/state-words.js';
import { UsageBar } from '../components/usage-bar.js';

const treeEvent = (e: { type: string }) => /^(node|allocation|upstream|license)\./.test(e.type);

/** The API answers 404 where this build or this node has no hierarchy: that is "no subdivisions", not an error. */
const absent = <T,>(p: Promise<T>): Promise<T | null> =>
  p.catch((err) => (err instanceof ApiError && err.status === 404 ? null : Promise.reject(err)));

/** The enterprise tree below this node: subdivisions, their allocations (editable on a centralized license), sync state. */
export function HierarchyPage() {
  const { api } = useSession();
  // Children sync on their own timer without stored events, so the tree is also re-read every few seconds.
  const nodes = useApiData(() => absent(api<NodesAnswer>('GET', '/v1/nodes')), 'all', treeEvent);
  const upstream = useApiData(() => absent(api<UpstreamAnswer>('GET', '/v1/upstream')), 'all', treeEvent);
  const pools = useApiData(() => api<{ pools: PoolSummary[] }>('GET', '/v1/pools'), 'all');
  useInterval(() => {
    nodes.reload();
    upstream.reload();
  }, 5000);
  const names = new Map((pools.data?.pools ?? []).map((p) => [String(p.moduleId), p.name]));
  const n = nodes.data;
  return (
    <section aria-labelledby="hierarchy-title">
      <h1 id="hierarchy-title">Hierarchy</h1>
      {nodes.error && <ErrorNotice error={nodes.error} />}
      {upstream.data && <UpstreamCard up={upstream.data} names={names} />}
      {nodes.loading && !n ? (
        <p className="muted">Loading…</p>
      ) : !n || n.items.length === 0 ? (
        <div className="empty card">
          <h2>No subdivisions</h2>
          <p className="muted">
            No child node has registered with this node. A subdivision joins with{' '}
            <code>licensor serve --upstream {location.origin} --upstream-token …</code> (a token made here with{' '}
            <code>licensor token create --role node</code>).
          </p>
        </div>
      ) : (
        <>
          <HoldingCard n={n} names={names} />
          <ul className="tree" aria-label="Subdivisions">
            {n.items.map((c) => (
              <NodeItem key={c.id} node={c} names={names} editable={n.distributable} depth={0} onSaved={nodes.reload} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function UpstreamCard({ up, names }: { up: UpstreamAnswer; names: Map<string, string> }) {
  return (
    <article className="card" aria-labelledby="upstream-title">
      <h2 id="upstream-title">This node’s parent</h2>
      <dl className="facts">
        <dt>Parent</dt>
        <dd>
          <code>{up.url}</code>
        </dd>
        <dt>Link</dt>
        <dd>
          <StateBadge
            state={up.state}
            tone={up.state === 'active' ? 'ok' : up.state === 'connecting' ? 'neutral' : 'bad'}
          />{' '}
          {upstreamWords(up).text}
        </dd>
        <dt>Last sync</dt>
        <dd>{up.lastSyncAt ? formatAgo(Date.parse(up.lastSyncAt)) : 'never'}</dd>
        <dt>Allocation</dt>
        <dd>
          {up.state === 'blocked'
            ? 'withdrawn by the parent while it blocks this node; work under a license of this node’s own continues'
            : up.allocation
              ? `${up.allocation.entitlements.map((e) => `${names.get(String(e.moduleId)) ?? e.moduleId} × ${e.quantity ?? '∞'}`).join(', ') || 'nothing'} (renewed on every sync; lapses ${formatDateTime(up.allocation.notAfter)} without one)`
              : 'none yet: client work is refused until the parent allocates'}
        </dd>
      </dl>
    </article>
  );
}

/** A summary from the API as a sentence: capital first letter, full stop. */
const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;

function HoldingCard({ n, names }: { n: NodesAnswer; names: Map<string, string> }) {
  const ids = Object.keys(n.held).filter((id) => (n.allocated[id] ?? 0) > 0 || n.held[id] !== 0);
  return (
    <article className="card" aria-labelledby="holding-title">
      <h2 id="holding-title">Allocated from this node</h2>
      {!n.distributable && (
        <Notice tone="warn">{n.distributableDetail}. Allocations are shown but cannot be changed here.</Notice>
      )}
      <div className="alloc-grid">
        {ids.map((id) => (
          <div key={id} className="alloc-cell">
            <div className="small">{names.get(id) ?? `module ${id}`}</div>
            <UsageBar
              used={n.allocated[id] ?? 0}
              quantity={n.held[id] ?? null}
              label={`${names.get(id) ?? id} allocated of held`}
            />
          </div>
        ))}
      </div>
    </article>
  );
}

function NodeItem({
  node,
  names,
  editable,
  depth,
  onSaved,
}: {
  node: ChildNode;
  names: Map<string, string>;
  editable: boolean;
  depth: number;
  onSaved(): void;
}) {
  const { api } = useSession();
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await api('DELETE', `/v1/nodes/${encodeURIComponent(node.id)}`);
      setRemoving(false);
      onSaved();
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.detail}` : String(err));
      setRemoving(false);
    } finally {
      setBusy(false);
    }
  };
  const modules = node.allocation?.modules ?? {};
  const usage = new Map(node.usage.map((u) => [String(u.moduleId), u]));
  return (
    <li className={`tree-node state-${node.state}`}>
      <article className="card node-card" aria-label={`Subdivision ${node.name}`}>
        <header className="node-head">
          <div>
            <h3>{node.name}</h3>
            <div className="muted small">
              <code>{node.id}</code> · registered {formatDateTime(node.registeredAt)}
            </div>
          </div>
          <div className="node-badges">
            <StateBadge state={node.state} />
            <StateBadge state={node.online ? 'online' : 'offline'} />
            <span className="muted small">synced {formatAgo(Date.parse(node.lastSyncAt))}</span>
          </div>
        </header>
        {(node.state !== 'active' || !node.online) && (
          <Notice tone={childWords(node).tone === 'bad' ? 'bad' : 'warn'}>{childWords(node).text}</Notice>
        )}
        {node.licenseState && node.licenseState !== 'valid' && (
          <Notice tone="bad">{sentence(node.licenseSummary ?? `running unlicensed (${node.licenseState})`)}</Notice>
        )}
        {error && <Notice tone="bad">{error}</Notice>}
        {editing ? (
          <AllocationForm
            node={node}
            names={names}
            onDone={(saved) => {
              setEditing(false);
              if (saved) onSaved();
            }}
          />
        ) : (
          <>
            <table className="data compact">
              <caption className="visually-hidden">Allocation and use of {node.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Module</th>
                  <th scope="col" className="num">
                    Allocated
                  </th>
                  <th scope="col" className="col-bar">
                    In use there
                  </th>
                </tr>
              </thead>
              <tbody>
                {Object.keys(modules).length === 0 && (
                  <tr>
                    <td colSpan={3} className="muted">
                      {node.licenseState === 'valid'
                        ? 'Nothing allocated: this subdivision serves under a license of its own.'
                        : 'Nothing allocated yet: this subdivision refuses client work until it gets an allocation.'}
                    </td>
                  </tr>
                )}
                {Object.entries(modules).map(([id, qty]) => {
                  const u = usage.get(id);
                  return (
                    <tr key={id}>
                      <th scope="row">
                        {names.get(id) ?? `module ${id}`} <span className="muted small">{id}</span>
                      </th>
                      <td className="num strong">{qty}</td>
                      <td className="col-bar">
                        {u ? (
                          <UsageBar
                            used={u.used}
                            quantity={u.quantity}
                            label={`${names.get(id) ?? id} in use at ${node.name}`}
                          />
                        ) : (
                          <span className="muted">not reported</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <div className="form-actions">
              {editable && depth === 0 && (
                <button type="button" className="secondary" onClick={() => setEditing(true)}>
                  Edit allocation
                </button>
              )}
              {depth === 0 && (
                <button
                  type="button"
                  className="danger"
                  onClick={() => setRemoving(true)}
                  aria-label={`Remove ${node.name}`}
                >
                  Remove
                </button>
              )}
            </div>
          </>
        )}
      </article>
      <ConfirmDialog
        open={removing}
        title="Remove this subdivision?"
        confirmLabel="Remove"
        danger
        busy={busy}
        onConfirm={remove}
        onCancel={() => setRemoving(false)}
      >
        <p>
          {node.name} (<code>{node.id}</code>) is forgotten by this node: its allocation returns here and, if it is
          counted as a subordinate server, its place frees so the next blocked one is served. Should it sync again, it
          registers anew.
        </p>
      </ConfirmDialog>
      {node.children.length > 0 && (
        <ul className="tree">
          {node.children.map((c) => (
            <NodeItem key={c.id} node={c} names={names} editable={false} depth={depth + 1} onSaved={onSaved} />
          ))}
        </ul>
      )}
    </li>
  );
}

function AllocationForm({
  node,
  names,
  onDone,
}: {
  node: ChildNode;
  names: Map<string, string>;
  onDone(saved: boolean): void;
}) {
  const { api } = useSession();
  const initial = node.allocation?.modules ?? {};
  const ids = [...new Set([...Object.keys(initial), ...names.keys()])].sort((a, b) => Number(a) - Number(b));
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(ids.map((id) => [id, String(initial[id] ?? 0)])),
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const modules: Record<string, number> = {};
    for (const [id, v] of Object.entries(values)) {
      const q = Number(v);
      if (!Number.isInteger(q) || q < 0) return setError(`${names.get(id) ?? id}: enter a whole number, 0 or more.`);
      if (q > 0 || initial[id] !== undefined) modules[id] = q;
    }
    setBusy(true);
    try {
      await api('PUT', `/v1/nodes/${encodeURIComponent(node.id)}/allocation`, { modules });
      onDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.code}: ${err.detail}` : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="alloc-form" onSubmit={submit} aria-label={`Allocation of ${node.name}`}>
      <div className="alloc-inputs">
        {ids.map((id) => (
          <label key={id} className="alloc-input">
            <span>
              {names.get(id) ?? `module ${id}`} <span className="muted small">{id}</span>
            </span>
            <input
              type="number"
              min={0}
              step={1}
              inputMode="numeric"
              value={values[id] ?? '0'}
              onChange={(e) => setValues({ ...values, [id]: e.target.value })}
            />
          </label>
        ))}
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save allocation'}
        </button>
        <button type="button" className="ghost" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
