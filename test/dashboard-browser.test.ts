import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Lease, LicensingClient } from '@licensor/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { JsonClient } from './support/http-client.js';
import { deriveHardwareKey } from '../packages/server/src/hwkey/usb-drives.js';
import { fakeSysfs } from '../packages/server/test/fake-sysfs.js';
import { FakeClock, startTestNode, type TestNode } from './support/test-node.js';
import { until as pollUntil } from './support/until.js';

// The dashboard in a real browser (Debian's chromium driven by playwright-core) against real nodes on 127.0.0.1:
// sign in, watch a pool fill as SDK clients acquire, force-release a holder and see the SDK lose its lease, a pool of
// 1,000 holders, edit a subdivision's allocation, billing, events and the usage chart. Screenshots of every page go
// to test-output/dashboard/ for a person to look at.
const CHROMIUM = process.env.LICENSOR_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = new URL('../', import.meta.url).pathname;
const SHOTS = join(ROOT, 'test-output', 'dashboard');
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) to run the browser tests`;
if (skip) console.log(`dashboard browser tests SKIPPED: ${skip}`);

const issuerKeys = generateKeyPairSync('ed25519');

const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 10_000) =>
  pollUntil(probe, ok, what, { ms, pollMs: 50 });

/** A week of one-minute usage history with a working-day curve, so the chart has something to show. */
async function seedUsage(t: TestNode): Promise<void> {
  const now = Date.now();
  const samples = [];
  for (let at = now - 7 * 86_400_000; at < now - 60_000; at += 5 * 60_000) {
    const hour = new Date(at).getHours() + new Date(at).getMinutes() / 60;
    const busy = Math.max(0, Math.sin(((hour - 8) / 14) * Math.PI));
    const day = Math.floor((now - at) / 86_400_000);
    samples.push({
      moduleId: 4001,
      at,
      used: Math.min(5, Math.round(busy * (day === 2 ? 5 : 4))),
      quantity: 5,
      blocked: 0,
    });
    samples.push({
      moduleId: 5001,
      at,
      used: Math.round(busy * 520 + (day === 4 && hour > 12 && hour < 13 ? 230 : 0)),
      quantity: 1000,
      blocked: 0,
    });
  }
  await t.running.node.store.usage.record(samples);
}

describe('dashboard in a real browser', { skip }, () => {
  let parent: TestNode;
  let child: TestNode;
  let browser: Browser;
  let page: Page;
  const clients: LicensingClient[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The node serves packages/web/dist: build it if it is missing or older than its sources.
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
    parent = await startTestNode({
      issuerKeys,
      scope: 'centralized',
      entitlements: [
        { moduleId: 1001, quantity: null },
        { moduleId: 1003, quantity: 2 },
        { moduleId: 2001, quantity: 2 },
        { moduleId: 3001, quantity: 100 },
        { moduleId: 4001, quantity: 5 },
        { moduleId: 5001, quantity: 1000 },
      ],
      notAfter: new Date(Date.now() + 10 * 86_400_000).toISOString(),
      flags: {
        syncIntervalMs: '200',
        allocationWindowMs: '60000',
        usageSampleIntervalMs: '500',
        sessionGraceMs: '5000',
      },
    });
    const nodeToken = await parent.api('POST', '/v1/tokens', { role: 'node', name: 'Riverside branch sync' });
    assert.equal(nodeToken.status, 201, JSON.stringify(nodeToken.body));
    child = await startTestNode({
      issuerKeys,
      license: false,
      flags: {
        upstreamUrl: parent.url,
        upstreamToken: nodeToken.body.secret,
        nodeName: 'Riverside branch',
        syncIntervalMs: '200',
        allocationWindowMs: '60000',
      },
    });
    await seedUsage(parent);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await browser?.close();
    await child?.close();
    await parent?.close();
  });

  it('shows nothing but the sign-in without an admin token, and refuses app tokens', async () => {
    await page.goto(`${parent.url}/pools/4001`);
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Pools' }).count(), 0, 'no navigation before sign-in');
    await page.getByLabel('Admin token').fill('lsr_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not know this token' }).waitFor();
    await page.getByLabel('Admin token').fill(parent.appToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'application token' }).waitFor();
    await shot('01-sign-in');
    await page.getByLabel('Admin token').fill(parent.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'OpenService.Manager' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
  });

  it('fills the pool live as SDK clients acquire, then a force-release takes the SDK client’s lease', async () => {
    const meter = page.getByRole('meter', { name: 'OpenService.Manager in use' }).first();
    assert.equal(await meter.getAttribute('aria-valuenow'), '0');
    const leases: Lease[] = [];
    for (let i = 1; i <= 5; i++) {
      const c = new LicensingClient({ url: parent.url, token: parent.appToken });
      clients.push(c);
      leases.push(await c.acquireSlot(4001, `pos-${i}`));
      // The page follows without a reload.
      await until(
        () => meter.getAttribute('aria-valuenow'),
        (v) => v === String(i),
        `the bar to show ${i} in use`,
      );
    }
    await page.getByRole('row', { name: /pos-5/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /pos-\d/ }).count(), 5);
    await shot('03-pool-full');

    const lost = leases[2]!;
    let lostCode: string | null = null;
    lost.onLost((err) => {
      lostCode = err.code;
    });
    await page.getByRole('button', { name: 'Force-release pos-3' }).click();
    const dialog = page.getByRole('dialog', { name: 'Force-release this slot?' });
    await dialog.waitFor();
    await shot('04-force-release-confirm');
    await dialog.getByRole('button', { name: 'Force release' }).click();
    await until(
      async () => lostCode,
      (c) => c !== null,
      'the SDK lease to be lost',
      5000,
    );
    assert.ok(lost.isLost);
    await until(
      () => page.getByRole('row', { name: /pos-\d/ }).count(),
      (n) => n === 4,
      'the holder row to go',
    );
    await page.getByText(/Released pos-3/).waitFor();
    for (const l of leases) if (l !== lost) assert.equal(l.isLost, false, 'the other holders keep their slots');
  });

  it('shows blocked registers in red: in the pool, on the pools list and as a warning', async () => {
    // Cash Register (2001, BLOCK_LATEST) is licensed for 2: the third and fourth registers to connect are blocked.
    for (const r of ['register-1', 'register-2', 'register-3', 'register-4']) {
      assert.equal(
        (await parent.api('PUT', `/v1/modules/2001/members/${r}`, { features: [] }, parent.appToken)).status,
        200,
      );
    }
    // Processing Center (3001, DEGRADE) reports 120 accounts against 100 licensed: over its quota.
    assert.equal((await parent.api('PUT', '/v1/modules/3001/quota', { count: 120 }, parent.appToken)).status, 200);
    await nav('Pools').click();
    const quotaRow = page.getByRole('row', { name: /OpenService.Processing Center/ });
    await until(
      () => quotaRow.getAttribute('class'),
      (c) => c === 'row-bad',
      'the Processing Center row to turn red',
    );
    assert.match((await quotaRow.locator('.badge-bad').textContent()) ?? '', /over quota/);
    const row = page.getByRole('row', { name: /OpenService.Cash Register/ });
    await until(
      () => row.getAttribute('class'),
      (c) => c === 'row-bad',
      'the Cash Register row to turn red',
    );
    await shot('02b-pools');
    await row.getByRole('link', { name: 'OpenService.Cash Register' }).click();
    await page.getByText('2 blocked:').waitFor();
    assert.equal(await page.locator('.vtable tr.row-bad').count(), 2);
    await page.getByRole('row', { name: /register-4.*blocked/i }).waitFor();
    await shot('03b-pool-blocked-registers');
  });

  it('a register whose profile enables an unlicensed add-on is shown blocked for it; Remove frees a seat for the next in line', async () => {
    // The license does not grant 2105 (video-surveillance events): register-video is blocked for its profile, takes no seat.
    const video = await parent.api(
      'PUT',
      '/v1/modules/2001/members/register-video',
      { features: [2105] },
      parent.appToken,
    );
    assert.equal(video.body.state, 'blocked', JSON.stringify(video.body));
    await page.getByText('1 blocked for add-ons:').waitFor();
    const row = page.getByRole('row', { name: /register-video/ });
    await row.getByText('Add-ons not licensed: Cash Register: video-surveillance events (2105)').waitFor();
    await page
      .getByRole('row', { name: /register-4/ })
      .getByText('Connected after the licensed 2')
      .waitFor();
    await page
      .getByRole('row', { name: /register-1/ })
      .getByText('Takes a licensed seat')
      .waitFor();
    await page.getByText(/register-video — the profile enables add-ons the license does not grant/).waitFor();
    await shot('03c-pool-register-blocked-for-add-ons');

    await page.getByRole('button', { name: 'Remove register-1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove this member?' });
    await dialog.waitFor();
    await dialog.getByText(/the next blocked member becomes active/).waitFor();
    await shot('03d-remove-register-confirm');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Removed register-1: its place is free. Now active: register-3.').waitFor();
    await until(
      () => page.getByRole('row', { name: /register-3/ }).textContent(),
      (t) => /active/.test(t ?? ''),
      'register-3 to be shown active',
    );
    assert.equal(await page.getByRole('row', { name: /register-1/ }).count(), 0);
  });

  it('a quota pool shows its quota state, not a reduced quantity or an empty holder list', async () => {
    await nav('Pools').click();
    await page.getByRole('link', { name: 'OpenService.Processing Center' }).click();
    await page.getByRole('heading', { name: 'OpenService.Processing Center' }).waitFor();
    await page
      .getByText(
        /Over quota: 120 counted, 100 licensed\. Refused: accepting new data and sending new data; still allowed: debits on existing accounts\./,
      )
      .waitFor();
    await page.getByText(/120 of 100 counted/).waitFor();
    assert.equal(await page.getByText(/quantity was reduced/).count(), 0);
    assert.equal(await page.getByRole('heading', { name: /Holders/ }).count(), 0);
    await shot('03e-pool-over-quota');
  });

  it('overview: license, days left, warnings and every pool', async () => {
    await nav('Overview').click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('Test Restaurant').waitFor();
    await page.getByText(/The license ends in \d+ days/).waitFor();
    await page.getByRole('link', { name: /OpenService.Cash Register: 1 blocked — beyond the licensed 2/ }).waitFor();
    await page
      .getByRole('link', {
        name: /OpenService.Cash Register: 1 blocked — its profile enables add-ons the license does not grant/,
      })
      .waitFor();
    await page.getByRole('link', { name: /OpenService.Processing Center is over its quota/ }).waitFor();
    await shot('02-overview');
  });

  it('stays usable at 1,000 holders in a pool (the list renders only what is in view)', async () => {
    const http = new JsonClient(parent.url, parent.appToken, 32);
    try {
      for (let i = 0; i < 1000; i += 50) {
        const batch = Array.from({ length: 50 }, (_, k) =>
          http.request('POST', '/v1/modules/5001/leases', { holderId: `waiter-${String(i + k).padStart(4, '0')}` }),
        );
        for (const r of await Promise.all(batch)) assert.equal(r.status, 201);
      }
    } finally {
      http.close();
    }
    await nav('Pools').click();
    await page.getByRole('link', { name: 'OpenService.Mobile Waiter' }).click();
    await page.getByRole('heading', { name: 'OpenService.Mobile Waiter' }).waitFor();
    await until(
      () => page.getByRole('meter').first().getAttribute('aria-valuenow'),
      (v) => v === '1000',
      '1000 in use',
    );
    const rendered = await page.locator('.vtable tbody tr[aria-rowindex]').count();
    assert.ok(rendered > 10 && rendered < 80, `only rows in view are rendered (${rendered} of 1000)`);
    await page.getByLabel('Filter holders by id').fill('waiter-0999');
    await page.getByRole('row', { name: /waiter-0999/ }).waitFor();
    assert.equal(await page.locator('.vtable tbody tr[aria-rowindex]').count(), 1);
    await page.getByLabel('Filter holders by id').fill('');
    await page.locator('.vtable').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.getByRole('row', { name: /waiter-0999/ }).waitFor();
    await page.locator('.vtable').evaluate((el) => el.scrollTo(0, 0));
    await shot('05-pool-1000-holders');
  });

  it('hierarchy: edit a subdivision’s allocation and see it reach the child', async () => {
    await until(
      () => parent.api('GET', '/v1/nodes'),
      (r) => r.body.items?.length === 1,
      'the child to register',
    );
    await nav('Hierarchy').click();
    const card = page.getByRole('article', { name: 'Subdivision Riverside branch' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Edit allocation' }).click();
    await card.getByLabel(/OpenService.Manager/).fill('2');
    await card.getByLabel(/OpenService.Mobile Waiter/).fill('0');
    await card.getByRole('button', { name: 'Save allocation' }).click();
    await card.getByRole('button', { name: 'Edit allocation' }).waitFor();
    const up = await until(
      () => child.api('GET', '/v1/upstream'),
      (r) =>
        (r.body.allocation?.entitlements ?? []).some(
          (e: { moduleId: number; quantity: number }) => e.moduleId === 4001 && e.quantity === 2,
        ),
      'the allocation to reach the child',
    );
    assert.equal(up.body.state, 'active');
    await until(
      () => card.getByRole('row', { name: /OpenService.Manager/ }).textContent(),
      (t) => /\b2\b/.test(t ?? ''),
      'the tree to show the new allocation',
    );
    // Over what the parent holds: refused, with the node's reason shown.
    await card.getByRole('button', { name: 'Edit allocation' }).click();
    await card.getByLabel(/OpenService.Manager/).fill('50');
    await card.getByRole('button', { name: 'Save allocation' }).click();
    await card.getByRole('alert').filter({ hasText: 'ALLOCATION_EXCEEDED' }).waitFor();
    await card.getByRole('button', { name: 'Cancel' }).click();
    await shot('06-hierarchy');
  });

  it('hierarchy on the subdivision: its link to the parent, and no subdivisions of its own', async () => {
    const other = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      await other.goto(`${child.url}/hierarchy`);
      await other.getByLabel('Admin token').fill(child.adminToken);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('heading', { name: 'No subdivisions' }).waitFor();
      await other.getByRole('heading', { name: 'This node’s parent' }).waitFor();
      await other.getByText(/OpenService.Manager × 2/).waitFor();
      await other.screenshot({ path: join(SHOTS, '06b-hierarchy-child.png'), fullPage: true });
    } finally {
      await other.close();
    }
  });

  it('a blocked subdivision: the parent says why; the site says its allocation is withdrawn while its own license serves', async () => {
    const sites: TestNode[] = [];
    const other = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      // Subordinate servers (1003) are licensed for 2: Riverside and Harbour are served, Old town is blocked.
      for (const name of ['Harbour branch', 'Old town branch']) {
        const token = (await parent.api('POST', '/v1/tokens', { role: 'node', name: `${name} sync` })).body.secret;
        const own = [
          { moduleId: 1002, quantity: null },
          { moduleId: 2001, quantity: 1 },
        ];
        sites.push(
          await startTestNode({
            issuerKeys,
            entitlements: own,
            flags: { upstreamUrl: parent.url, upstreamToken: token, nodeName: name, syncIntervalMs: '200' },
          }),
        );
      }
      await until(
        () => parent.api('GET', '/v1/nodes'),
        (r) =>
          r.body.items?.some(
            (i: { name: string; state: string }) => i.name === 'Old town branch' && i.state === 'blocked',
          ),
        'Old town to be blocked',
      );
      await nav('Hierarchy').click();
      await page
        .getByRole('article', { name: 'Subdivision Old town branch' })
        .getByText(/allows 2 .*blocked until one is removed/)
        .waitFor();
      await shot('06c-hierarchy-blocked-site');
      const oldTown = sites[1] as TestNode;
      await until(
        () => oldTown.api('GET', '/v1/upstream'),
        (r) => r.body.state === 'blocked',
        'Old town to learn it is blocked',
      );
      await other.goto(`${oldTown.url}/`);
      await other.getByLabel('Admin token').fill(oldTown.adminToken);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByText(/The parent node blocks this node: .*own license continues/).waitFor();
      await other.screenshot({ path: join(SHOTS, '06d-blocked-site-overview.png'), fullPage: true });
      await other.goto(`${oldTown.url}/hierarchy`);
      await other.getByText(/withdrawn by the parent/).waitFor();
    } finally {
      await other.close();
      for (const s of sites) await s.close();
      for (const i of (await parent.api('GET', '/v1/nodes')).body.items as { id: string; name: string }[]) {
        if (i.name !== 'Riverside branch') await parent.api('DELETE', `/v1/nodes/${i.id}`);
      }
    }
  });

  it('billing: balances, ledger and a top-up', async () => {
    const acc = await parent.api('POST', '/v1/billing/accounts', { customerName: 'Test Restaurant', currency: 'EUR' });
    await parent.api('POST', `/v1/billing/accounts/${acc.body.id}/topups`, {
      amount: 25_000,
      currency: 'EUR',
      reference: 'bank-2026-11-01-0042',
    });
    await parent.api('POST', '/v1/billing/accounts', { customerName: 'Bistro Nord', currency: 'EUR' });
    await nav('Billing').click();
    await page.getByRole('heading', { name: 'Test Restaurant' }).waitFor();
    await page.getByLabel('Amount (EUR)').fill('49.90');
    await page.getByLabel('Payment reference').fill('bank-2026-11-23-0007');
    await page.getByRole('button', { name: 'Top up' }).click();
    await page.getByText('Recorded 49.90 EUR.').waitFor();
    await page.getByText('299.90 EUR').first().waitFor();
    const balance = await parent.api('GET', `/v1/billing/accounts/${acc.body.id}`);
    assert.equal(balance.body.balance, 29_990);
    await shot('07-billing');
  });

  it('rental on a vendor node: the overview shows the balance and when the paid period ends', async () => {
    const vendor = await startTestNode({ issuer: true });
    const other = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      const acc = await vendor.api('POST', '/v1/billing/accounts', { customerName: 'Cafe Central', currency: 'EUR' });
      await vendor.api('POST', `/v1/billing/accounts/${acc.body.id}/topups`, {
        amount: 5000,
        currency: 'EUR',
        reference: 'bank-0001',
      });
      const plan = await vendor.api('POST', '/v1/rental-plans', {
        name: 'Manager weekly',
        period: 'week',
        price: 1990,
        currency: 'EUR',
        entitlements: [{ moduleId: 1002 }, { moduleId: 4001, quantity: 3 }, { moduleId: 5001, quantity: 10 }],
      });
      const rental = await vendor.api('POST', '/v1/rentals', {
        accountId: acc.body.id,
        planId: plan.body.id,
        hardwareKey: vendor.hardwareKey,
        keySource: 'any',
      });
      assert.equal(rental.status, 201, JSON.stringify(rental.body));
      assert.equal(rental.body.installedHere, true);
      await other.goto(vendor.url);
      await other.getByLabel('Admin token').fill(vendor.adminToken);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByText('Rental, per week').waitFor();
      await other.getByText('30.10 EUR').waitFor();
      await other.getByText(/paid until/).waitFor();
      await other.getByText('1 more week after this one').waitFor();
      // The balance falls below the weekly price: the overview says when the license lapses, without a reload.
      const cut = await vendor.api('POST', `/v1/billing/accounts/${acc.body.id}/adjustments`, {
        kind: 'adjustment',
        amount: -2000,
        currency: 'EUR',
        note: 'correction',
      });
      assert.equal(cut.status, 201, JSON.stringify(cut.body));
      await other.getByText(/does not pay for the next week: the license lapses/).waitFor();
      await other.screenshot({ path: join(SHOTS, '02c-overview-rental.png'), fullPage: true });
      await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
      await other.getByRole('article', { name: 'Rentals' }).getByText(rental.body.id).waitFor();
      await other.getByRole('article', { name: 'Rentals' }).getByText('Active').waitFor();
      await other.getByText('Rental charge').waitFor();
      await other.screenshot({ path: join(SHOTS, '07b-billing-rental.png'), fullPage: true });
      // The token is revoked elsewhere: the next answer signs the page out and says why.
      const tokens = await vendor.api('GET', '/v1/tokens');
      const bootstrap = tokens.body.tokens.find((x: { name: string }) => x.name === 'bootstrap');
      assert.equal((await vendor.api('DELETE', `/v1/tokens/${bootstrap.id}`)).status, 200);
      await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pools' }).click();
      await other.getByText(/You were signed out: the node no longer accepts this token/).waitFor();
      assert.equal(await other.getByRole('navigation', { name: 'Main' }).count(), 0);
    } finally {
      await other.close();
      await vendor.close();
    }
  });

  it('events: filterable, and live', async () => {
    await nav('Events').click();
    await page
      .getByRole('row', { name: /billing\.topped_up/ })
      .first()
      .waitFor();
    await page.getByLabel('Type').selectOption('billing.topped_up');
    assert.equal(await page.locator('.vtable tbody tr[aria-rowindex]').count(), 2);
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Search').fill('waiter-0042');
    await page
      .getByRole('row', { name: /waiter-0042/ })
      .first()
      .waitFor();
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Type').selectOption('');
    assert.equal((await parent.api('PUT', '/v1/modules/2001/members/register-live', {}, parent.appToken)).status, 200);
    await page
      .getByRole('row', { name: /register-live/ })
      .first()
      .waitFor();
    // Event badges read as the feed names them, lower-case, whatever their colour.
    const badge = page.locator('.badge-bad', { hasText: 'member.blocked' }).first();
    assert.equal(await badge.innerText(), 'member.blocked');
    await shot('08-events');
  });

  it('usage: a chart per module with the peak marked', async () => {
    await nav('Usage').click();
    const chart = page.getByRole('img', { name: /OpenService.Mobile Waiter: \d+ samples; Peak 1000 of 1000/ });
    await chart.waitFor();
    await shot('09-usage');
    await page.locator('.peak-caption', { hasText: /Peak 5 of 5/ }).waitFor();
    await page.getByRole('button', { name: 'Hour' }).click();
    await page.getByRole('img', { name: /OpenService.Manager: \d+ samples/ }).waitFor();
  });

  it('keyboard and narrow windows: skip link first, pages readable at 390 px', async () => {
    await nav('Pools').click();
    await page.getByRole('heading', { name: 'Pools' }).waitFor();
    // A fresh load (the token stays for the tab): the first Tab lands on the skip link.
    await page.reload();
    await page.getByRole('heading', { name: 'Pools' }).waitFor();
    // Page scripts are strings: this file is typed for Node, not for the DOM.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Overview', 'then the navigation');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'OpenService.Manager' }).click();
    await page.getByRole('heading', { name: 'OpenService.Manager' }).waitFor();
    const overflow = Number(
      await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    );
    assert.ok(overflow <= 1, `no sideways scrolling at 390 px (${overflow} px)`);
    await shot('10-narrow-pool');
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('a site blocked by its parent says so in its own words; removing a subordinate server on the parent serves it', async () => {
    // The parent's two subordinate-server places (1003) are taken — by the Riverside branch (every child is counted)
    // and branch-a: a third Data Server is blocked.
    assert.equal((await parent.api('PUT', '/v1/modules/1003/members/branch-a', {}, parent.appToken)).status, 200);
    const token = await parent.api('POST', '/v1/tokens', { role: 'node', name: 'Harbour branch sync' });
    const site = await startTestNode({
      issuerKeys,
      license: false,
      flags: {
        upstreamUrl: parent.url,
        upstreamToken: token.body.secret,
        nodeName: 'Harbour branch',
        countedAs: '1003',
        syncIntervalMs: '200',
        allocationWindowMs: '60000',
      },
    });
    const other = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      await until(
        () => site.api('GET', '/v1/license'),
        (r) => r.body.state?.state === 'blocked',
        'the site to be blocked by its parent',
      );
      await other.goto(site.url);
      await other.getByLabel('Admin token').fill(site.adminToken);
      await other.getByRole('button', { name: 'Sign in' }).click();
      const card = other.getByRole('article', { name: 'License' });
      await card.getByText('Blocked by the parent.').waitFor();
      await card.getByText(/connected later than those and is blocked until one is removed/).waitFor();
      const text = (await other.locator('main').innerText()) ?? '';
      assert.ok(!text.includes('`'), 'no raw backticks');
      assert.ok(!/not a rental/.test(text), 'no rental noise on a site without a license file');
      assert.ok(!/No license is installed/.test(text), 'a blocked site is not "without a license"');
      await other
        .getByRole('link', { name: /This site is blocked by its parent/ })
        .or(other.getByText(/This site is blocked by its parent/))
        .first()
        .waitFor();
      await other.screenshot({ path: join(SHOTS, '11-site-blocked-by-parent.png'), fullPage: true });
      // A new node's usage page opens on the last hour, not on a week of nothing.
      await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
      await until(
        () => other.getByRole('button', { name: 'Hour' }).getAttribute('aria-pressed'),
        (v) => v === 'true',
        'the usage page to open on the hour',
      );

      // On the parent: the subdivision is blocked in words; the subordinate servers pool offers Remove.
      await nav('Hierarchy').click();
      const harbour = page.getByRole('article', { name: 'Subdivision Harbour branch' });
      await harbour.getByText(/^Blocked: the parent's license allows 2/).waitFor();
      await shot('12-hierarchy-blocked-site');
      await nav('Pools').click();
      await page.getByRole('link', { name: 'OpenService.Data Server: subordinate servers' }).click();
      await page.getByRole('button', { name: 'Remove branch-a' }).click();
      await page.getByRole('dialog', { name: 'Remove this member?' }).getByRole('button', { name: 'Remove' }).click();
      await page.getByText(/Removed branch-a: its place is free\./).waitFor();
      await until(
        () => site.api('GET', '/v1/license'),
        (r) => r.body.state?.state !== 'blocked',
        'the site to be served again',
      );
      await card.getByText('Blocked by the parent.').waitFor({ state: 'detached' });
    } finally {
      await other.close();
      await site.close();
    }
  });

  it('the licensed USB drive pulled out: the overview says until when the node serves, then that it refuses', async () => {
    const root = mkdtempSync(join(tmpdir(), 'licensor-usb-'));
    const drive = { busId: '1-4', idVendor: '0781', idProduct: '5567', serial: '20060775120C8D2A0F36', block: 'sdd' };
    fakeSysfs([drive], root);
    const clock = new FakeClock(Date.now());
    const site = await startTestNode({
      issuerKeys,
      clock,
      sysfsRoot: root,
      hardwareKey: deriveHardwareKey(drive.idVendor, drive.idProduct, drive.serial),
      entitlements: [{ moduleId: 4001, quantity: 2 }],
      flags: { hardwareKeyGraceMs: '300000' },
    });
    const other = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      rmSync(join(root, 'sys'), { recursive: true, force: true });
      fakeSysfs([], root);
      site.running.node.licensing.checkHardwareKey();
      await other.goto(site.url);
      await other.getByLabel('Admin token').fill(site.adminToken);
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other
        .getByText(
          /The licensed USB drive is gone \(since .*\): the node serves until .*, then refuses client work until it is plugged back in\./,
        )
        .waitFor();
      await other.screenshot({ path: join(SHOTS, '13-usb-drive-gone.png'), fullPage: true });
      clock.advance(301_000);
      await other.reload();
      await other
        .getByText(/The licensed USB drive is gone \(since .*\): client work is refused until it is plugged back in\./)
        .waitFor();
    } finally {
      await other.close();
      await site.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
