import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { deriveHardwareKey } from '../packages/server/src/hwkey/usb-drives.js';
import { fakeSysfs } from '../packages/server/test/fake-sysfs.js';
import {
  type Dashboard,
  issuerKeys,
  mainNav,
  SHOTS,
  screenshot,
  signIn,
  skip,
  startDashboard,
  until,
} from './support/dashboard-browser-setup.js';
import { FakeClock, startTestNode, type TestNode } from './support/test-node.js';

// The dashboard in a real browser against real nodes (setup in support/dashboard-browser-setup.ts), across sites:
// edit a subdivision's allocation, blocked subdivisions and sites, rental on a vendor node, a pulled USB drive.
// The tests run in order on one page: the hierarchy tests build on each other, and the blocked-subdivision test
// removes the sites it adds, so that only Riverside takes a subordinate-server place when the later site test runs.
describe('dashboard in a real browser: hierarchy and sites', { skip }, () => {
  let dashboard: Dashboard;
  let parent: TestNode;
  let child: TestNode;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => screenshot(page, name);
  const nav = (name: string) => mainNav(page, name);

  before(async () => {
    dashboard = await startDashboard();
    ({ parent, child, browser, page } = dashboard);
    await signIn(page, parent);
  });

  after(async () => {
    await dashboard?.close();
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
