import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { fail, ok, type Outcome } from '@licensor/protocol';
import { hashTokenSecret } from '../auth/token-secret.js';
import { TokenService } from '../auth/token-service.js';
import { BillingService } from '../billing/billing-service.js';
import { loadCatalogFiles } from '../catalog/load-catalog-file.js';
import type { NodeConfig } from '../config/node-config.js';
import { type AppServices, buildApp } from '../http/app.js';
import { connectionLimits } from '../transport/connection-limits.js';
import { ISSUER_KEY_FILE, type IssuerKeys, loadIssuerKeys, readIssuerPublicKey } from '../issuer/issuer-keys.js';
import { describeStoreError } from '../store/store-errors.js';
import { type Clock, systemClock } from '../time/clock.js';
import { LicensorNode } from '../node/licensor-node.js';
import { EventRetention } from '../node/event-retention.js';
import { UsageSampler } from '../usage/usage-sampler.js';
import { WebhookDispatcher } from '../webhook/webhook-dispatcher.js';
import { WebhookService } from '../webhook/webhook-service.js';
import { faultInjector } from '../node/fault-injection.js';
import { takeNodeLocks } from '../node/node-locks.js';
import { resolveHardwareKey } from '../node/resolve-hardware-key.js';
import { createLogger, type Logger } from '../log/logger.js';
import { sessionRoute } from '../session/session-route.js';
import { StoreHealth } from '../transport/store-health.js';
import { advertisedUrl, clusterNode } from './cluster-node.js';
import { hierarchyNode } from './hierarchy-node.js';
import { startNodeTimers } from './node-timers.js';
import { openStore } from './open-store.js';
import { takeStartLicense } from './start-license.js';
import { listenFailure, listeningUrl, readTlsFiles } from './tls-and-listen.js';
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
  /** What the HTTP app was built with (a test may build a second app on the same node). */
  services: AppServices;
  hardwareKeyDetail: string;
  close(): Promise<void>;
}

/**
 * What a node can be given instead of the real thing (tests): a clock, fetch, randomness, a logger; and whether every
 * JSON answer is checked against its declared schema (tests only: never a flag or an environment variable).
 */
type NodeDeps = {
  clock?: Clock;
  fetch?: typeof fetch;
  random?: () => number;
  log?: Logger;
  validateResponses?: boolean;
};

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
  // Pools are sized in steps until the upstream allocation is restored below: slots are trimmed only after the last.
  node.grants.holdTrims();
  try {
    await node.start();
  } catch (err) {
    await node.close().catch(() => {});
    const where = config.store === 'sqlite' ? `in ${config.dataDir}` : config.store.replace(/\/\/[^@/]*@/, '//');
    return fail('STORE_UNAVAILABLE', `the store ${where} cannot be used: ${describeStoreError(err)}`, {
      field: config.store === 'sqlite' ? 'dataDir' : 'store',
    });
  }
  const taken = await takeStartLicense(node, config);
  if (!taken.ok) {
    await node.close();
    return taken;
  }
  const billing = new BillingService({
    store: store.value.billing,
    catalog: catalog.value,
    clock: node.clock,
    issuer: issuerKeys,
    node: node.installer,
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
  const unsubscribeWebhooks = node.feed.onEvent(() => dispatcher.kick());
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
  const usage = new UsageSampler(node.pools, store.value, node.clock, {
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
  const tls = readTlsFiles(config);
  if (!tls.ok) {
    await node.close().catch(() => {});
    return tls;
  }
  const cluster = await clusterNode(node, tls.value?.cert ?? null);
  const nodeForHierarchy = hierarchyNode(node, cluster.admission);
  const hierarchy = new HierarchyService(nodeForHierarchy, identity, {
    syncIntervalMs: config.syncIntervalMs,
    allocationWindowMs: config.allocationWindowMs,
    maxChildrenPerToken: config.maxChildrenPerToken,
  });
  await hierarchy.start();
  const unsubscribeHierarchy = node.onForeignEvents((events) => hierarchy.foreignCommitted(events));
  const upstream =
    config.upstreamUrl && config.upstreamToken
      ? new UpstreamSync(nodeForHierarchy, identity, hierarchy, {
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
  const limits = connectionLimits(config);
  const storeHealth = new StoreHealth(store.value, node.clock);
  const { licensing, pools, feed, installer } = node;
  const admission = cluster.admission;
  const services: AppServices = {
    store: store.value,
    clock: node.clock,
    licensing,
    admission,
    pools,
    feed,
    installer,
    committer: node.runner.committer,
    storeHealth,
    tokens,
    billing,
    webhooks,
    hierarchy,
    upstream,
    ...(cluster.endpoint ? { cluster: cluster.endpoint } : {}),
  };
  const app = await buildApp(services, {
    log,
    bodyLimit: config.bodyLimitBytes,
    rateLimit: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst },
    limits,
    usage: usage.options,
    dashboardDir: config.dashboardDir,
    https: tls.value,
    validateResponses: deps.validateResponses ?? false,
  })
    .then((built) => {
      sessionRoute(built, { admission, licensing, pools, feed }, tokens, limits, storeHealth);
      return built;
    })
    .catch((err: Error) => err);
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
  const url = listeningUrl(Boolean(config.tlsCert), config.host, port);
  await cluster.listening(advertisedUrl(config.advertiseUrl, Boolean(config.tlsCert), config.host, port));
  usage.start(log);
  eventRetention.start();
  const stopTimers = startNodeTimers(
    config.reapIntervalMs,
    {
      reap: () => node.reaper.reap(),
      renew: () => (billing.canIssue ? billing.tick() : null),
      pumpWebhooks: () => dispatcher.pump(),
    },
    log,
  );
  await upstream?.start();
  await node.grants.releaseTrims();
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
    services,
    hardwareKeyDetail: hw.value.detail,
    async close() {
      if (closed) return;
      closed = true;
      stopTimers();
      await upstream?.stop();
      usage.stop();
      await eventRetention.stop();
      unsubscribeWebhooks();
      unsubscribeHierarchy();
      await dispatcher.close();
      await app.close();
      await node.close();
      cluster.close();
    },
  });
}
