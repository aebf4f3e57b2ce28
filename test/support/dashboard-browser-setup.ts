import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LicensingClient } from '@licensor/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestNode, type TestNode } from './test-node.js';
import { until as pollUntil } from './until.js';

// Shared setup for the dashboard-browser*.test.ts files: the dashboard in a real browser (Debian's chromium driven by
// playwright-core) against real nodes on 127.0.0.1. Screenshots of every page go to test-output/dashboard/ for a
// person to look at.
export const CHROMIUM = process.env.LICENSOR_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = new URL('../../', import.meta.url).pathname;
export const SHOTS = join(ROOT, 'test-output', 'dashboard');
export const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) to run the browser tests`;
if (skip) console.log(`dashboard browser tests SKIPPED: ${skip}`);

export const issuerKeys = generateKeyPairSync('ed25519');

/** Polls `probe` every 50 ms until `ok` holds, for up to `ms` (10 s by default). */
export const until = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 10_000) =>
  pollUntil(probe, ok, what, { ms, pollMs: 50 });

/** A full-page screenshot of `page` to test-output/dashboard/<name>.png. */
export const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** The link called `name` in the dashboard's main navigation. */
export const mainNav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** Signs `page` in to `node`'s dashboard with its admin token and waits for the navigation. */
export async function signIn(page: Page, node: TestNode): Promise<void> {
  await page.goto(`${node.url}/`);
  await page.getByLabel('Admin token').fill(node.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

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

/** Builds packages/web/dist if stale, one test file at a time (the browser test files may run in parallel). */
function buildWeb(): void {
  const lock = join(ROOT, 'test-output', '.build-web.lock');
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than five minutes was left by a killed run.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) rmdirSync(lock);
      else Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
  } finally {
    rmdirSync(lock);
  }
}

/** What startDashboard starts: a parent node, its child, a browser and one page; close() stops them all. */
export interface Dashboard {
  parent: TestNode;
  child: TestNode;
  browser: Browser;
  page: Page;
  /** SDK clients a test opens, closed by close(). */
  clients: LicensingClient[];
  close(): Promise<void>;
}

/** Starts the parent node (licensed, with usage history), a child node syncing from it, and Chromium with one page. */
export async function startDashboard(): Promise<Dashboard> {
  let parent: TestNode | undefined;
  let child: TestNode | undefined;
  let browser: Browser | undefined;
  const clients: LicensingClient[] = [];
  const close = async () => {
    for (const c of clients) await c.close().catch(() => {});
    await browser?.close();
    await child?.close();
    await parent?.close();
  };
  try {
    mkdirSync(SHOTS, { recursive: true });
    // The node serves packages/web/dist: build it if it is missing or older than its sources.
    buildWeb();
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
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    return { parent, child, browser, page, clients, close };
  } catch (err) {
    await close();
    throw err;
  }
}
