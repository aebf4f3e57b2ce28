import type { PoolSummary } from '../api/types.js';
import { Link } from '../app/router.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { describeStrategy } from '../components/format.js';
import { ErrorNotice } from '../components/notice.js';
import { StateBadge } from '../components/state-badge.js';
import { poolWords } from '../components/state-words.js';
import { UsageBar } from '../components/usage-bar.js';

/** Every pool: use against the licensed quantity, holders, blocked members and quota state, live. */
export function PoolsPage() {
  const { api } = useSession();
  const pools = useApiData(
    () => api<{ pools: PoolSummary[] }>('GET', '/v1/pools'),
    'all',
    (e) => /^(slot|member|quota|license)\./.test(e.type),
  );
  const rows = pools.data?.pools ?? [];
  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">Pools</h1>
      <p className="muted">
        One pool per licensed module. Open a pool to see who holds its slots and to force-release one.
      </p>
      {pools.error && <ErrorNotice error={pools.error} />}
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Policy</th>
              <th scope="col" className="col-bar">
                In use
              </th>
              <th scope="col" className="num">
                Holders
              </th>
              <th scope="col" className="num">
                Members
              </th>
              <th scope="col" className="num">
                Blocked
              </th>
              <th scope="col">Quota</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr
                key={p.moduleId}
                className={
                  p.blocked > 0 || p.quotaState === 'over_quota' ? 'row-bad' : !p.licensed ? 'row-muted' : undefined
                }
              >
                <th scope="row">
                  <Link to={`/pools/${p.moduleId}`}>{p.name}</Link>
                  <div className="muted small">
                    {p.moduleId} · {p.kind}
                    {!p.licensed && ' · not licensed'}
                  </div>
                  {poolWords(p).tone === 'bad' && <div className="small text-bad">{poolWords(p).text}</div>}
                </th>
                <td className="small">{describeStrategy(p.strategy)}</td>
                <td className="col-bar">
                  <UsageBar used={p.used} quantity={p.quantity} label={`${p.name} in use`} />
                </td>
                <td className="num">{p.holders}</td>
                <td className="num">{p.members}</td>
                <td className={`num${p.blocked > 0 ? ' text-bad strong' : ''}`}>
                  {p.blocked}
                  {p.blockedByProfile > 0 && <div className="small">{p.blockedByProfile} for add-ons</div>}
                </td>
                <td>{p.quotaState ? <StateBadge state={p.quotaState} /> : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
