import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fail, ok, type Outcome } from '@licensor/protocol';
import { hashTokenSecret } from '../auth/token-secret.js';
import { TokenService } from '../auth/token-service.js';
import { BillingService } from '../billing/billing-service.js';
import { loadCatalogFiles } from '../catalog/load-catalog-file.js';
import { type NodeConfig, optionEnv } from '../config/node-config.js';
import { buildApp } from '../http/app.js';
import { connectionLimits } from '../transport/connection-limits.js';
import { ISSUER_KEY_FILE, type IssuerKeys, loadIssuerKeys, readIssuerPublicKey } from '../issuer/issuer-keys.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { describeStoreError } from '../store/store-errors.js';
import { type Clock, systemClock } from '../time/clock.js';
import { LicensorNode } from './licensor-node.js';
import { EventRetention } from './event-retention.js';
import { UsageSampler } from '../usage/usage-sampler.js';
import { WebhookDispatcher } from '../webhook/webhook-dispatcher.js';
import { WebhookService } from '../webhook/webhook-service.js';
import { faultInjector } from './fault-injection.js';
import { takeNodeLocks } from './node-locks.js';
import { resolveHardwareKey } from './resolve-hardware-key.js';
import { createLogger, type Logger } from '../log/logger.js';
import { HierarchyService } from '../hierarchy/hierarchy-service.js';
import { loadNodeIdentity } from '../hierarchy/node-identity.js';
import { UpstreamSync } from '../hierarchy/upstream-sync.js';

/** A started node: its URL, parts, and a graceful stop. */
export interface RunningNode {
  url: string;
  node: LicensorNode;
  app: FastifyInstance;
  tokens: TokenService;
  /** Billing accounts and rentals; renewals run on a timer (a vendor node with issuer keys). */
  billing: BillingService;
  /** Samples pool use on a timer for the dashboard's usage charts. */
  usage: UsageSampler;
  /** Deletes events past `--events-retention-days` every 10 s. */
  eventRetention: EventRetention;
  /** Webhook registrations and the dispatcher that delivers committed events to them. */
  webhooks: WebhookService;
  dispatcher: WebhookDispatcher;
  /** Child nodes of this node and their allocations. */
  hierarchy: HierarchyService;
  /** The link to the parent node (started with --upstream), or null. */
  upstream: UpstreamSync | null;
  hardwareKeyDetail: string;
  close(): Promise<void>;
}

/** The TLS certificate and key files, read; a file that cannot be read is one readable line. */
function readTlsFiles(config: Pick<NodeConfig, 'tlsCert' | 'tlsKey'>): Outcome<{ cert: Buffer; key: Buffer } | null> {
  if (!config.tlsCert || !config.tlsKey) return ok(null);
  const read = (path: string, flag: string): Buffer | string => {
    try {
      return readFileSync(path);
    } catch (err) {
      return `cannot read ${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
  };
  const cert = read(config.tlsCert, '--tls-cert');
  if (typeof cert === 'string') return fail('VALIDATION_FAILED', cert, { field: 'tlsCert' });
  const key = read(config.tlsKey, '--tls-key');
  if (typeof key === 'string') return fail('VALIDATION_FAILED', key, { field: 'tlsKey' });
  return ok({ cert, key });
}

/** Why the node could not listen, naming the option and environment variable that fix it. */
function listenFailure(err: NodeJS.ErrnoException, host: string, port: number): string {
  if (err.code === 'EADDRINUSE')
    return `port ${port} on ${host} is already in use by another process; stop it or pick another port with --port or ${optionEnv('port')}`;
  if (err.code === 'EACCES')
    return `no permission to listen on port ${port} (ports below 1024 need privileges); pick another with --port or ${optionEnv('port')}`;
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
    return `cannot listen on ${host}: no such address on this machine; pick another with --host or ${optionEnv('host')}`;
  return `cannot listen on ${host}:${port}: ${err.code ?? ''} ${err.message}`.trim();
}

/** Opens the store a config names. */
export function openStore(
  config: Pick<NodeConfig, 'store' | 'dataDir' | 'sqliteSynchronous'>,
  log?: Logger,
): Outcome<Store> {
  if (config.store === 'sqlite') {
    try {
      return ok(new SqliteStore(join(config.dataDir, 'licensor.db'), config.sqliteSynchronous, log));
    } catch (err) {
      return fail('STORE_UNAVAILABLE', `cannot open the store in ${config.dataDir}: ${describeStoreError(err)}`, {
        field: 'dataDir',
      });
    }
  }
  try {
    return ok(new PostgresStore(config.store));
  } catch (err) {
    return fail('VALIDATION_FAILED', `--store: ${(err as Error).message}`, { field: 'store' });
  }
}

/** What a node can be given instead of the real thing (tests): a clock, fetch, randomness, a logger. */
type NodeDeps = { clock?: Clock; fetch?: typeof fetch; random?: () => number; log?: Logger };

/**
 * Starts a node from its config: store, license, HTTP API, SDK sessions, reaper. On the embedded store it first takes
 * the data dir (one node per data dir) and holds it until `close()`; a second process is refused at once.
 */
export async function startNode(config: NodeConfig, deps: NodeDeps = {}): Promise<Outcome<RunningNode>> {
  // The key is read once (a USB drive, the machine id): the locks and the node both use it.
  const hw = resolveHardwareKey(config);
  const locks = await takeNodeLocks(config, hw);
  if (!locks.ok) return locks;
  const release = locks.value;
  let started: Outcome<RunningNode>;
  try {
    started = await startLocked(config, deps, hw);
  } catch (err) {
    await release();
    throw err;
  }
  if (!started.ok) {
    await release();
    return started;
  }
  const running = started.value;
  const close = running.close;
  running.close = async () => {
    try {
      await close();
    } finally {
      await release();
    }
  };
  return ok(running);
}

async function startLocked(
  config: NodeConfig,
  deps: NodeDeps,
  hw: ReturnType<typeof resolveHardwareKey>,
): Promise<Outcome<RunningNode>> {
  if (!hw.ok) return hw;
  const catalog = loadCatalogFiles(config.catalogs);
  if (!catalog.ok) return catalog;
  let issuerPublicKey = config.issuerPublicKey;
  if (!issuerPublicKey && config.issuerDir) {
    const pub = readIssuerPublicKey(config.issuerDir);
    if (!pub.ok) return pub;
    issuerPublicKey = pub.value;
  }
  // A vendor node: the issuer directory holds the private key, so this node can issue and renew rental licenses.
  let issuerKeys: IssuerKeys | null = null;
  if (config.issuerDir && existsSync(join(config.issuerDir, ISSUER_KEY_FILE))) {
    const keys = loadIssuerKeys(config.issuerDir);
    if (!keys.ok) return keys;
    issuerKeys = keys.value;
  }
  // One logger for every part, the HTTP app included, made before any of them so nothing logged at start waits.
  const log = deps.log ?? createLogger(config.logLevel);
  const store = openStore(config, log);
  if (!store.ok) return store;
  const node = new LicensorNode({
    store: store.value,
    catalog: catalog.value,
    clock: deps.clock ?? systemClock,
    hardwareKey: { key: hw.value.key, source: hw.value.source, trusted: hw.value.trusted },
    application: config.application,
    hardwareKeyWatch: {
      intervalMs: config.hardwareKeyCheckIntervalMs,
      graceMs: config.hardwareKeyGraceMs,
      sysfsRoot: config.sysfsRoot,
    },
    issuerPublicKey,
    sessionGraceMs: config.sessionGraceMs,
    clockRollbackToleranceMs: config.clockRollbackToleranceMs,
    log,
  });
  try {
    await node.start();
  } catch (err) {
    await node.close().catch(() => {});
    const where = config.store === 'sqlite' ? `in ${config.dataDir}` : config.store.replace(/\/\/[^@/]*@/, '//');
    return fail('STORE_UNAVAILABLE', `the store ${where} cannot be used: ${describeStoreError(err)}`, {
      field: config.store === 'sqlite' ? 'dataDir' : 'store',
    });
  }
  // A stored license this node may not run (bound to another key source) stops the start, as it would with --license.
  const stored = config.licenseFile ? null : await store.value.getLicense();
  const storedProblem = stored ? node.storedLicenseProblem(stored.text) : null;
  if (storedProblem?.code === 'KEY_SOURCE_MISMATCH') {
    await node.close();
    return fail(storedProblem.code, `the installed license: ${storedProblem.message}`);
  }
  if (config.licenseFile) {
    let text: string;
    try {
      text = readFileSync(config.licenseFile, 'utf8');
    } catch {
      await node.close();
      return fail('VALIDATION_FAILED', `cannot read license file ${config.licenseFile}`, { field: 'licenseFile' });
    }
    if (node.license?.text !== text) {
      const installed = await node.installLicense(text, 'licensor serve --license');
      if (!installed.ok) {
        await node.close();
        return fail(installed.code, `license file ${config.licenseFile}: ${installed.message}`);
      }
    }
  }
  const billing = new BillingService({
    store: store.value.billing,
    catalog: catalog.value,
    clock: node.clock,
    issuer: issuerKeys,
    node,
    expiringLeadMs: config.rentalExpiringDays * 86_400_000,
    fault: faultInjector(config.fault),
  });
  await billing.start();
  const tokens = new TokenService(store.value);
  const dispatcher = new WebhookDispatcher({
    store: store.value.webhooks,
    clock: node.clock,
    retry: { maxAttempts: config.webhookMaxAttempts, baseDelayMs: config.webhookRetryBaseMs },
    timeoutMs: config.webhookTimeoutMs,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    log,
  });
  const webhooks = new WebhookService(store.value.webhooks, node.clock, dispatcher);
  await dispatcher.refresh();
  const unsubscribeWebhooks = node.onEvent(() => dispatcher.kick());
  if (config.bootstrapAdminToken && !(await store.value.findTokenByHash(hashTokenSecret(config.bootstrapAdminToken)))) {
    const secret = config.bootstrapAdminToken;
    await tokens
      .createWithSecret('admin', 'bootstrap', secret, node.clock.now(), {
        tokenId: null,
        name: 'licensor serve --bootstrap-admin-token',
      })
      .catch(async (err) => {
        // Processes starting together on one shared store race to create it: the loser finds the winner's token.
        if (!(await store.value.findTokenByHash(hashTokenSecret(secret)))) throw err;
      });
  }
  const usage = new UsageSampler(node, {
    intervalMs: config.usageSampleIntervalMs,
    retentionMs: config.usageRetentionDays * 86_400_000,
  });
  const eventRetention = new EventRetention({
    store: store.value,
    clock: node.clock,
    retentionMs: config.eventsRetentionDays * 86_400_000,
    log,
  });
  const identity = await loadNodeIdentity(store.value);
  const hierarchy = new HierarchyService(node, identity, {
    syncIntervalMs: config.syncIntervalMs,
    allocationWindowMs: config.allocationWindowMs,
    maxChildrenPerToken: config.maxChildrenPerToken,
  });
  await hierarchy.start();
  const upstream =
    config.upstreamUrl && config.upstreamToken
      ? new UpstreamSync(node, identity, hierarchy, {
          url: config.upstreamUrl,
          token: config.upstreamToken,
          name: config.nodeName,
          countedAs: config.countedAs,
          parentPublicKey: config.upstreamPublicKey,
          initialIntervalMs: config.syncIntervalMs,
          timeoutMs: 10_000,
          ...(deps.fetch ? { fetchImpl: deps.fetch } : {}),
          log,
        })
      : null;
  const tls = readTlsFiles(config);
  if (!tls.ok) {
    await node.close().catch(() => {});
    return tls;
  }
  const app = await buildApp(node, tokens, {
    hierarchy,
    upstream,
    log,
    bodyLimit: config.bodyLimitBytes,
    rateLimit: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst },
    limits: connectionLimits(config),
    usage: usage.options,
    dashboardDir: config.dashboardDir,
    billing,
    webhooks,
    https: tls.value,
  }).catch((err: Error) => err);
  if (app instanceof Error) {
    unsubscribeWebhooks();
    await dispatcher.close().catch(() => {});
    await node.close().catch(() => {});
    return fail(
      'VALIDATION_FAILED',
      config.tlsCert ? `--tls-cert / --tls-key: ${app.message}` : `the HTTP server cannot be set up: ${app.message}`,
    );
  }
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    unsubscribeWebhooks();
    await app.close().catch(() => {});
    await dispatcher.close().catch(() => {});
    await node.close().catch(() => {});
    return fail('VALIDATION_FAILED', listenFailure(err as NodeJS.ErrnoException, config.host, config.port), {
      field: 'port',
    });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${config.tlsCert ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let reaping = false;
  const reaper = setInterval(() => {
    if (reaping) return;
    reaping = true;
    node
      .reap()
      .catch((err) => log.error({ err }, 'reaper failed'))
      .finally(() => {
        reaping = false;
      });
  }, config.reapIntervalMs);
  reaper.unref();
  usage.start(log);
  eventRetention.start();
  // Rental renewals: each rental moves in its own transaction, so an overlapping run (or another process) is harmless.
  let billingRunning = false;
  const renewer = setInterval(() => {
    if (billingRunning || !billing.canIssue) return;
    billingRunning = true;
    billing
      .tick()
      .catch((err) => log.error({ err }, 'rental renewal failed'))
      .finally(() => {
        billingRunning = false;
      });
  }, config.reapIntervalMs);
  renewer.unref();
  await upstream?.start();
  // Webhooks: committed events wake the dispatcher at once; this timer runs retries that fell due and picks up
  // events other processes committed to the same store (and whatever was left undelivered before a restart).
  const webhookTimer = setInterval(() => {
    dispatcher.pump().catch((err) => log.error({ err }, 'webhook dispatch failed'));
  }, config.reapIntervalMs);
  webhookTimer.unref();
  dispatcher.kick();
  let closed = false;
  return ok({
    url,
    node,
    app,
    tokens,
    billing,
    webhooks,
    dispatcher,
    usage,
    eventRetention,
    hierarchy,
    upstream,
    hardwareKeyDetail: hw.value.detail,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(reaper);
      await upstream?.stop();
      usage.stop();
      await eventRetention.stop();
      clearInterval(renewer);
      clearInterval(webhookTimer);
      unsubscribeWebhooks();
      await dispatcher.close();
      await app.close();
      await node.close();
    },
  });
}
