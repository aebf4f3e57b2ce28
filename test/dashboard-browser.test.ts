import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Lease, LicensingClient } from '@licensor/sdk';
import type { Page } from 'playwright-core';
import { type Dashboard, mainNav, screenshot, skip, startDashboard, until } from './support/dashboard-browser-setup.js';
import { JsonClient } from './support/http-client.js';
import type { TestNode } from './support/test-node.js';

// The dashboard in a real browser against real nodes (setup in support/dashboard-browser-setup.ts): sign in, watch a
// pool fill as SDK clients acquire, force-release a holder and see the SDK lose its lease, blocked registers, a pool
// of 1,000 holders, billing, events, the usage chart and narrow windows. The tests run in order on one page: each
// builds on what the ones before left (holders, members, top-ups, the signed-in page).
// The hierarchy, rental and site tests are in dashboard-browser-sites.test.ts.
describe('dashboard in a real browser', { skip }, () => {
  let dashboard: Dashboard;
  let parent: TestNode;
  let page: Page;
  let clients: LicensingClient[];
  const shot = (name: string) => screenshot(page, name);
  const nav = (name: string) => mainNav(page, name);

  before(async () => {
    dashboard = await startDashboard();
    ({ parent, page, clients } = dashboard);
  });

  after(async () => {
    await dashboard?.close();
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
});
