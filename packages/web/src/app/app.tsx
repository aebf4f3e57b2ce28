import { useCallback, useState } from 'react';
import { BillingPage } from '../pages/billing-page.js';
import { EventsPage } from '../pages/events-page.js';
import { HierarchyPage } from '../pages/hierarchy-page.js';
import { OverviewPage } from '../pages/overview-page.js';
import { PoolDetailPage } from '../pages/pool-detail-page.js';
import { PoolsPage } from '../pages/pools-page.js';
import { UsagePage } from '../pages/usage-page.js';
import { Link, useLocation } from './router.js';
import { SessionProvider, useSession } from './session-context.js';
import { SignInPage } from './sign-in-page.js';

const TOKEN_KEY = 'licensor.adminToken';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/pools', label: 'Pools' },
  { to: '/hierarchy', label: 'Hierarchy' },
  { to: '/billing', label: 'Billing' },
  { to: '/events', label: 'Events' },
  { to: '/usage', label: 'Usage' },
];

/** The dashboard: sign-in until an admin token is given, then the pages. */
export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const signIn = useCallback((t: string) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    setToken(t);
  }, []);
  const [notice, setNotice] = useState<string | null>(null);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setNotice(null);
    setToken(null);
  }, []);
  // The node stopped accepting the token (revoked, or the node's tokens were reset): say so on the sign-in page.
  const refused = useCallback(() => {
    sessionStorage.removeItem(TOKEN_KEY);
    setNotice('You were signed out: the node no longer accepts this token (revoked?).');
    setToken(null);
  }, []);
  if (!token) return <SignInPage onSignedIn={signIn} notice={notice} />;
  return (
    <SessionProvider token={token} onSignOut={signOut} onRefused={refused}>
      <Shell />
    </SessionProvider>
  );
}

function Shell() {
  const { path } = useLocation();
  const { streamState, signOut } = useSession();
  const current = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            L
          </span>
          Licensor
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={current(n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          <output className={`live live-${streamState}`} title="Live updates from the node">
            <span className="dot" aria-hidden="true" />
            {streamState === 'live' ? 'Live' : streamState === 'connecting' ? 'Connecting…' : 'Offline, retrying'}
          </output>
          <button type="button" className="ghost" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  const pool = /^\/pools\/(\d+)$/.exec(path);
  if (pool) return <PoolDetailPage moduleId={Number(pool[1])} />;
  switch (path) {
    case '/':
      return <OverviewPage />;
    case '/pools':
      return <PoolsPage />;
    case '/hierarchy':
      return <HierarchyPage />;
    case '/billing':
      return <BillingPage />;
    case '/events':
      return <EventsPage />;
    case '/usage':
      return <UsagePage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at <code>{path}</code>. <Link to="/">Back to the overview</Link>.
          </p>
        </section>
      );
  }
}
