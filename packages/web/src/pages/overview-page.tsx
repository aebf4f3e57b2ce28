import { ApiError } from '../api/api-client.js';
import type {
  Account,
  HardwareKeyStatus,
  LicenseAnswer,
  PoolSummary,
  Rental,
  RentalPlan,
  UpstreamAnswer,
} from '../api/types.js';
import { Link } from '../app/router.js';
import { useSession } from '../app/session-context.js';
import { useApiData } from '../app/use-api-data.js';
import { daysUntil, formatDateTime, formatMoney } from '../components/format.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { StateBadge } from '../components/state-badge.js';
import { UsageBar } from '../components/usage-bar.js';

const poolEvent = (e: { type: string }) => /^(slot|member|quota|license|pool)\./.test(e.type);

/** How many more periods the balance pays for, or null when the plan is not known here. */
function periodsCovered(account: Account, plan: RentalPlan | undefined): number | null {
  return plan && plan.price > 0 ? Math.floor(account.balance / plan.price) : null;
}

/** What is wrong with the node's license, in words: a site blocked by its parent is not "a license blocked". */
function licenseProblem(lic: LicenseAnswer): string {
  const { state, detail } = lic.state;
  if (state === 'blocked')
    return `This site is blocked by its parent: ${detail}. Client work is refused until the parent serves it again.`;
  // Installed but not enough to serve (no server application): the node's sentence says what is missing.
  if (state === 'missing')
    return lic.license
      ? `${detail.charAt(0).toUpperCase()}${detail.slice(1)}.`
      : 'No license is installed: client work is refused until one is.';
  if (state === 'not_yet_valid') return `The license is not valid yet: ${detail}.`;
  return `The license expired: ${detail}.`;
}

/** The licensed USB drive gone: a warning through the grace period, then the refusal. */
function driveWarning(hw: HardwareKeyStatus | null): { tone: 'warn' | 'bad'; text: string } | null {
  if (!hw?.watched || hw.present || !hw.graceEndsAt) return null;
  const since = hw.missingSince ? formatDateTime(hw.missingSince) : 'a while';
  // The node says whether the grace is over: by its time, which the browser's clock need not agree with.
  if (!hw.refusing)
    return {
      tone: 'warn',
      text: `The licensed USB drive is gone (since ${since}): the node serves until ${formatDateTime(hw.graceEndsAt)}, then refuses client work until it is plugged back in.`,
    };
  return {
    tone: 'bad',
    text: `The licensed USB drive is gone (since ${since}): client work is refused until it is plugged back in.`,
  };
}

/** What needs attention, most urgent first. */
function warningsOf(
  lic: LicenseAnswer | null,
  pools: PoolSummary[],
  accounts: Account[],
  own: { a: Account; r: Rental; plan: RentalPlan | undefined } | undefined,
  up: UpstreamAnswer | null,
  hw: HardwareKeyStatus | null = null,
): { tone: 'warn' | 'bad'; text: string; to?: string }[] {
  const out: { tone: 'warn' | 'bad'; text: string; to?: string }[] = [];
  const drive = driveWarning(hw);
  if (drive) out.push(drive);
  if (lic && lic.state.state !== 'valid') out.push({ tone: 'bad', text: licenseProblem(lic) });
  // Blocked, but serving under a license of its own: the license is valid, the parent's allocation is gone.
  else if (up?.state === 'blocked')
    out.push({ tone: 'bad', text: `The parent node blocks this node: ${up.message}.`, to: '/hierarchy' });
  const notAfter = lic?.license?.notAfter;
  const covered = own ? periodsCovered(own.a, own.plan) : null;
  if (own && covered === 0 && own.r.status === 'active') {
    out.push({
      tone: 'bad',
      text: `The balance (${own.a.balanceText}) does not pay for the next ${own.plan?.period ?? 'period'}: the license lapses ${formatDateTime(own.r.notAfter ?? own.r.paidUntil)} unless topped up.`,
      to: '/billing',
    });
  } else if (
    lic?.state.state === 'valid' &&
    notAfter &&
    daysUntil(notAfter) <= 14 &&
    !(own && covered !== null && covered > 0)
  ) {
    out.push({
      tone: 'warn',
      text: `The license ends in ${Math.max(0, daysUntil(notAfter))} days (${formatDateTime(notAfter)}).`,
    });
  }
  if (lic?.license?.developer)
    out.push({ tone: 'warn', text: 'Developer license: every answer is marked non-production.' });
  for (const p of pools) {
    const byProfile = p.blockedByProfile ?? 0;
    if (byProfile > 0)
      out.push({
        tone: 'bad',
        text: `${p.name}: ${byProfile} blocked — ${byProfile === 1 ? 'its profile enables' : 'their profiles enable'} add-ons the license does not grant.`,
        to: `/pools/${p.moduleId}`,
      });
    if (p.blocked > byProfile)
      out.push({
        tone: 'bad',
        text: `${p.name}: ${p.blocked - byProfile} blocked — beyond the licensed ${p.quantity}.`,
        to: `/pools/${p.moduleId}`,
      });
    if (p.blocked > 0) continue;
    if (p.quotaState && p.quotaState !== 'ok')
      out.push({
        tone: 'bad',
        text: `${p.name} is over its quota: operations it limits are refused until use falls back.`,
        to: `/pools/${p.moduleId}`,
      });
    else if (p.quantity !== null && p.quantity > 0 && p.used >= p.quantity && p.strategy !== 'DEGRADE')
      out.push({
        tone: 'warn',
        text: `${p.name} is full: ${p.used} of ${p.quantity} in use.`,
        to: `/pools/${p.moduleId}`,
      });
  }
  for (const a of accounts)
    for (const r of a.rentals)
      if (r.status !== 'active')
        out.push({
          tone: r.status === 'lapsed' ? 'bad' : 'warn',
          text: `Rental ${r.id} of ${a.customer.name} is ${r.status}; balance ${a.balanceText}.`,
          to: '/billing',
        });
  return out.sort((x, y) => (x.tone === y.tone ? 0 : x.tone === 'bad' ? -1 : 1));
}

/** The installed license, its term, warnings and every pool at a glance. */
export function OverviewPage() {
  const { api } = useSession();
  // A child's license state follows its parent's verdicts and allocations too.
  const license = useApiData(
    () => api<LicenseAnswer>('GET', '/v1/license'),
    'all',
    (e) => /^(license|upstream|allocation)\./.test(e.type),
  );
  const pools = useApiData(() => api<{ pools: PoolSummary[] }>('GET', '/v1/pools'), 'all', poolEvent);
  const billing = useApiData(
    () => api<{ accounts: Account[] }>('GET', '/v1/billing/accounts').catch(() => ({ accounts: [] })),
    'all',
    (e) => /^(billing|rental|license)\./.test(e.type),
  );
  // 404: this node has no parent.
  const upstream = useApiData(
    () =>
      api<UpstreamAnswer>('GET', '/v1/upstream').catch((err) =>
        err instanceof ApiError && err.status === 404 ? null : Promise.reject(err),
      ),
    'all',
    (e) => e.type.startsWith('upstream.'),
  );
  const status = useApiData(
    () => api<{ hardwareKey: HardwareKeyStatus }>('GET', '/v1/status'),
    'all',
    (e) => e.type.startsWith('hardware_key.'),
  );
  const lic = license.data;
  const p = lic?.license;
  const licensedPools = (pools.data?.pools ?? []).filter((x) => x.licensed);
  const accounts = billing.data?.accounts ?? [];
  const plans = useApiData(
    () => api<{ plans: RentalPlan[] }>('GET', '/v1/rental-plans').catch(() => ({ plans: [] })),
    'all',
    (e) => e.type.startsWith('rental'),
  );
  const found = accounts
    .flatMap((a) => a.rentals.map((r) => ({ a, r })))
    .find((x) => x.r.installedHere || x.r.licenseId === p?.id);
  const rental = found ? { ...found, plan: plans.data?.plans.find((pl) => pl.id === found.r.planId) } : undefined;
  const covered = rental ? periodsCovered(rental.a, rental.plan) : null;
  const warnings = warningsOf(
    lic,
    licensedPools,
    accounts,
    rental,
    upstream.data ?? null,
    status.data?.hardwareKey ?? null,
  );
  const days = p?.notAfter ? daysUntil(p.notAfter) : null;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {license.error && <ErrorNotice error={license.error} />}
      <div className="cards">
        <article className="card" aria-labelledby="license-title">
          <h2 id="license-title">License</h2>
          {!lic ? (
            <p className="muted">Loading…</p>
          ) : !p ? (
            <NoLicenseFile lic={lic} />
          ) : (
            <dl className="facts">
              <dt>Customer</dt>
              <dd className="big">{p.customer.name}</dd>
              <dt>State</dt>
              <dd>
                <StateBadge state={lic.state.state} />
              </dd>
              <dt>Scope</dt>
              <dd>
                {p.scope === 'centralized' ? 'Centralized (can allocate to subdivisions)' : 'Static (this node only)'}
              </dd>
              <dt>Term</dt>
              <dd>
                {p.term.type === 'permanent'
                  ? 'Permanent'
                  : p.term.type === 'rental'
                    ? `Rental${p.term.period ? `, per ${p.term.period}` : ''}`
                    : 'Temporary'}
              </dd>
              <dt>Valid</dt>
              <dd>
                {formatDateTime(p.notBefore)} — {p.notAfter ? formatDateTime(p.notAfter) : 'no end'}
              </dd>
              <dt>Days left</dt>
              <dd className={days !== null && days <= 14 ? 'text-warn big' : 'big'}>
                {days === null ? '∞' : Math.max(0, days)}
              </dd>
              <dt>License id</dt>
              <dd>
                <code>{p.id}</code>
              </dd>
            </dl>
          )}
        </article>
        <article className="card" aria-labelledby="attention-title">
          <h2 id="attention-title">Needs attention</h2>
          {warnings.length === 0 ? (
            <p className="all-good">Nothing needs attention: the license is valid and no pool is blocked or full.</p>
          ) : (
            <ul className="warnings">
              {warnings.map((w) => (
                <li key={w.text} className={`warning warning-${w.tone}`}>
                  {w.to ? <Link to={w.to}>{w.text}</Link> : w.text}
                </li>
              ))}
            </ul>
          )}
          {(rental || p) && <h2 className="spaced">Rental balance</h2>}
          {rental ? (
            <dl className="facts">
              <dt>Balance</dt>
              <dd className="big">{formatMoney(rental.a.balance, rental.a.currency)}</dd>
              <dt>Rental</dt>
              <dd>
                <StateBadge state={rental.r.status} /> paid until {formatDateTime(rental.r.paidUntil)}
              </dd>
              {rental.plan && (
                <>
                  <dt>Plan</dt>
                  <dd>
                    {rental.plan.name}: {formatMoney(rental.plan.price, rental.plan.currency)} per {rental.plan.period}
                  </dd>
                  <dt>Covers</dt>
                  <dd className={covered === 0 ? 'text-bad strong' : undefined}>
                    {covered === 0
                      ? 'not the next period'
                      : `${covered} more ${rental.plan.period}${covered === 1 ? '' : 's'} after this one`}
                  </dd>
                </>
              )}
            </dl>
          ) : p ? (
            <p className="muted">
              {p.term.type === 'rental'
                ? 'The rental is billed on the vendor’s node.'
                : 'This license is not a rental.'}
            </p>
          ) : null}
        </article>
      </div>
      <h2>Pools</h2>
      {pools.error && <ErrorNotice error={pools.error} />}
      <div className="pool-grid">
        {licensedPools.map((x) => (
          <Link
            key={x.moduleId}
            to={`/pools/${x.moduleId}`}
            className={`pool-tile${x.blocked > 0 || x.quotaState === 'over_quota' ? ' pool-tile-bad' : ''}`}
          >
            <span className="pool-tile-name">{x.name}</span>
            <span className="muted small">module {x.moduleId}</span>
            <UsageBar used={x.used} quantity={x.quantity} label={`${x.name} in use`} />
            {x.blocked > 0 && <span className="text-bad small">{x.blocked} blocked</span>}
            {x.quotaState === 'over_quota' && <span className="text-bad small">over quota</span>}
          </Link>
        ))}
        {pools.data && licensedPools.length === 0 && <p className="muted">No module is licensed on this node.</p>}
      </div>
    </section>
  );
}

/** The License card of a node without a license file of its own: a site served (or blocked) by its parent, or nothing installed. */
function NoLicenseFile({ lic }: { lic: LicenseAnswer }) {
  const { state, detail } = lic.state;
  if (state === 'blocked') {
    return (
      <Notice tone="bad">
        <strong>Blocked by the parent.</strong> {detail}. Client work is refused until the parent serves this site
        again; see Hierarchy.
      </Notice>
    );
  }
  if (state === 'missing') {
    return (
      <Notice tone="bad">
        No license is installed. Install one with <code>PUT /v1/license</code> or{' '}
        <code>licensor serve --license FILE</code>.
      </Notice>
    );
  }
  return (
    <dl className="facts">
      <dt>Source</dt>
      <dd>An allocation from the parent node</dd>
      <dt>State</dt>
      <dd>
        <StateBadge state={state} /> {detail}
      </dd>
    </dl>
  );
}
