import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fail, ok, type Outcome, parseHardwareKey } from '@licensor/protocol';
import { defaultCatalogFiles } from '../catalog/load-catalog-file.js';
import { DEFAULT_CONNECTION_LIMITS } from '../http/connection-limits.js';

/** Everything `licensor serve` is configured with. Flags win over environment variables, which win over defaults. */
export interface NodeConfig {
  dataDir: string;
  host: string;
  port: number;
  /** `sqlite` (file in the data dir) or a `postgres://` URL. */
  store: string;
  sqliteSynchronous: 'normal' | 'full';
  catalogs: string[];
  licenseFile: string | null;
  issuerPublicKey: string | null;
  issuerDir: string | null;
  hardwareKeySource: 'usb' | 'machine-id' | 'explicit';
  hardwareKey: string | null;
  usbDevice: string | null;
  sysfsRoot: string;
  /** The server application this node runs (1001 License Server, 1002 Data Server); null: any its license names. */
  application: number | null;
  /** How often the USB drive is looked for (at most 60 s). */
  hardwareKeyCheckIntervalMs: number;
  /** How long the node serves once the USB drive is gone (at most 10 min). */
  hardwareKeyGraceMs: number;
  sessionGraceMs: number;
  reapIntervalMs: number;
  /** How far the clock may fall behind the latest time the node has seen before it counts as rolled back. */
  clockRollbackToleranceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  /** Requests per second per API token (per IP without a valid token); 0 disables rate limiting. */
  rateLimitPerSecond: number;
  /** Bucket size: requests a token may make at once; defaults to twice the rate. */
  rateLimitBurst: number;
  /** Request line and headers must arrive within this time. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time. */
  requestTimeoutMs: number;
  /** Idle keep-alive connections close after this time. */
  keepAliveTimeoutMs: number;
  /** Open connections in all (0 = no cap). */
  maxConnections: number;
  /** Open connections per client IP (0 = no cap). */
  maxConnectionsPerIp: number;
  /** Open SDK sessions per client IP (0 = no cap). */
  maxSessionsPerIp: number;
  /** Open SDK sessions per API token (0 = no cap). */
  maxSessionsPerToken: number;
  /** Child nodes one `node` token may register (admin tokens are not capped). */
  maxChildrenPerToken: number;
  tlsCert: string | null;
  tlsKey: string | null;
  /** Creates an admin token with this secret at start if none exists (for scripted first runs). */
  bootstrapAdminToken: string | null;
  /** The parent node's URL: this node is a child in an enterprise tree and syncs with it. */
  upstreamUrl: string | null;
  /** A `node` token issued by the parent. */
  upstreamToken: string | null;
  /** The parent's public key to trust (`ed25519:…`); without it the first parent answer's key is pinned. */
  upstreamPublicKey: string | null;
  /** The name this node shows its parent (default: the host name). */
  nodeName: string;
  /** The module the parent counts this node against (e.g. 1003, subordinate Data Servers); null = not counted. */
  countedAs: number | null;
  /** How often this node's children sync. */
  syncIntervalMs: number;
  /** How long an allocation this node hands out stays valid without a sync: its children's offline grace. */
  allocationWindowMs: number;
  /** How often every licensed pool's use is sampled for the dashboard's usage charts. */
  usageSampleIntervalMs: number;
  /** How long usage samples are kept. */
  usageRetentionDays: number;
  /** Days the events feed is kept; 0 keeps it forever. */
  eventsRetentionDays: number;
  /** The built dashboard served at `/` (default: packages/web/dist of this installation). */
  dashboardDir: string | null;
  /** Attempts per webhook delivery, the first included. */
  webhookMaxAttempts: number;
  /** Wait before the second attempt; it doubles (with jitter) for each later one. */
  webhookRetryBaseMs: number;
  /** How long one webhook request may take. */
  webhookTimeoutMs: number;
  /** How many days before an unfunded rental period ends `license.expiring` is sent. */
  rentalExpiringDays: number;
  /** Test-only fault injection (environment only, no flag): `crash-after-charge` or `crash-after-renewal-commit`. */
  fault: FaultPoint | null;
}

/** Where a test may have the node SIGKILL itself (LICENSOR_FAULT), to prove crash consistency. */
export type FaultPoint = 'crash-after-charge' | 'crash-after-renewal-commit';

/** The documented environment variable of each option. */
export const ENV_NAMES: Record<keyof NodeConfig, string> = {
  dataDir: 'LICENSOR_DATA_DIR',
  host: 'LICENSOR_HOST',
  port: 'LICENSOR_PORT',
  store: 'LICENSOR_STORE',
  sqliteSynchronous: 'LICENSOR_SQLITE_SYNCHRONOUS',
  catalogs: 'LICENSOR_CATALOGS',
  licenseFile: 'LICENSOR_LICENSE_FILE',
  issuerPublicKey: 'LICENSOR_ISSUER_PUBLIC_KEY',
  issuerDir: 'LICENSOR_ISSUER_DIR',
  hardwareKeySource: 'LICENSOR_HARDWARE_KEY_SOURCE',
  hardwareKey: 'LICENSOR_HARDWARE_KEY',
  usbDevice: 'LICENSOR_USB_DEVICE',
  sysfsRoot: 'LICENSOR_SYSFS_ROOT',
  application: 'LICENSOR_APPLICATION',
  hardwareKeyCheckIntervalMs: 'LICENSOR_HARDWARE_KEY_CHECK_INTERVAL_MS',
  hardwareKeyGraceMs: 'LICENSOR_HARDWARE_KEY_GRACE_MS',
  sessionGraceMs: 'LICENSOR_SESSION_GRACE_MS',
  reapIntervalMs: 'LICENSOR_REAP_INTERVAL_MS',
  clockRollbackToleranceMs: 'LICENSOR_CLOCK_ROLLBACK_TOLERANCE_MS',
  logLevel: 'LICENSOR_LOG_LEVEL',
  bodyLimitBytes: 'LICENSOR_BODY_LIMIT_BYTES',
  rateLimitPerSecond: 'LICENSOR_RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'LICENSOR_RATE_LIMIT_BURST',
  headersTimeoutMs: 'LICENSOR_HEADERS_TIMEOUT_MS',
  requestTimeoutMs: 'LICENSOR_REQUEST_TIMEOUT_MS',
  keepAliveTimeoutMs: 'LICENSOR_KEEP_ALIVE_TIMEOUT_MS',
  maxConnections: 'LICENSOR_MAX_CONNECTIONS',
  maxConnectionsPerIp: 'LICENSOR_MAX_CONNECTIONS_PER_IP',
  maxSessionsPerIp: 'LICENSOR_MAX_SESSIONS_PER_IP',
  maxSessionsPerToken: 'LICENSOR_MAX_SESSIONS_PER_TOKEN',
  maxChildrenPerToken: 'LICENSOR_MAX_CHILDREN_PER_TOKEN',
  tlsCert: 'LICENSOR_TLS_CERT',
  tlsKey: 'LICENSOR_TLS_KEY',
  bootstrapAdminToken: 'LICENSOR_BOOTSTRAP_ADMIN_TOKEN',
  upstreamUrl: 'LICENSOR_UPSTREAM',
  upstreamToken: 'LICENSOR_UPSTREAM_TOKEN',
  upstreamPublicKey: 'LICENSOR_UPSTREAM_PUBLIC_KEY',
  nodeName: 'LICENSOR_NODE_NAME',
  countedAs: 'LICENSOR_COUNTED_AS',
  syncIntervalMs: 'LICENSOR_SYNC_INTERVAL_MS',
  allocationWindowMs: 'LICENSOR_ALLOCATION_WINDOW_MS',
  usageSampleIntervalMs: 'LICENSOR_USAGE_SAMPLE_INTERVAL_MS',
  usageRetentionDays: 'LICENSOR_USAGE_RETENTION_DAYS',
  eventsRetentionDays: 'LICENSOR_EVENTS_RETENTION_DAYS',
  dashboardDir: 'LICENSOR_DASHBOARD_DIR',
  webhookMaxAttempts: 'LICENSOR_WEBHOOK_MAX_ATTEMPTS',
  webhookRetryBaseMs: 'LICENSOR_WEBHOOK_RETRY_BASE_MS',
  webhookTimeoutMs: 'LICENSOR_WEBHOOK_TIMEOUT_MS',
  rentalExpiringDays: 'LICENSOR_RENTAL_EXPIRING_DAYS',
  fault: 'LICENSOR_FAULT',
};

/**
 * Default sustained rate per token. Generous on purpose: the HTTP benchmark drives ≈ 4,600 requests/s through one
 * token on a 2-core machine, and the limit is there to stop a runaway client, not to shape normal traffic.
 */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 10_000;

type Raw = Partial<Record<keyof NodeConfig, string | string[] | undefined>>;

/** Builds the node config from CLI flags and the environment (the only place the node reads the environment). */
export function loadNodeConfig(flags: Raw, env: NodeJS.ProcessEnv = process.env): Outcome<NodeConfig> {
  const get = (k: keyof NodeConfig): string | undefined => {
    const f = flags[k];
    if (Array.isArray(f)) return f.length ? f.join(',') : undefined;
    return f ?? env[ENV_NAMES[k]] ?? undefined;
  };
  const int = (k: keyof NodeConfig, dflt: number, min: number, max: number): Outcome<number> => {
    const v = get(k);
    if (v === undefined || v === '') return ok(dflt);
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) return fail('VALIDATION_FAILED', `--${kebab(k)} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, { field: k });
    return ok(n);
  };
  const oneOf = <T extends string>(k: keyof NodeConfig, dflt: T, allowed: readonly T[]): Outcome<T> => {
    const v = (get(k) ?? dflt) as T;
    return allowed.includes(v) ? ok(v) : fail('VALIDATION_FAILED', `--${kebab(k)} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`, { field: k });
  };
  const dataDir = resolve(get('dataDir') ?? join('.licensor', 'node'));
  const port = int('port', 7070, 0, 65535);
  const grace = int('sessionGraceMs', 15_000, 0, 3_600_000);
  const reap = int('reapIntervalMs', 1000, 50, 60_000);
  const rollbackTolerance = int('clockRollbackToleranceMs', 5 * 60_000, 0, 7 * 24 * 3_600_000);
  const body = int('bodyLimitBytes', 256 * 1024, 1024, 16 * 1024 * 1024);
  const ratePerSecond = int('rateLimitPerSecond', DEFAULT_RATE_LIMIT_PER_SECOND, 0, 1_000_000);
  const rateBurst = int('rateLimitBurst', Math.max(1, 2 * (ratePerSecond.ok ? ratePerSecond.value : 0)), 1, 2_000_000);
  const d = DEFAULT_CONNECTION_LIMITS;
  const caps = {
    headersTimeoutMs: int('headersTimeoutMs', d.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: int('requestTimeoutMs', d.requestTimeoutMs, 100, 3_600_000),
    keepAliveTimeoutMs: int('keepAliveTimeoutMs', d.keepAliveTimeoutMs, 100, 600_000),
    maxConnections: int('maxConnections', d.maxConnections, 0, 1_000_000),
    maxConnectionsPerIp: int('maxConnectionsPerIp', d.maxConnectionsPerIp, 0, 1_000_000),
    maxSessionsPerIp: int('maxSessionsPerIp', d.maxSessionsPerIp, 0, 1_000_000),
    maxSessionsPerToken: int('maxSessionsPerToken', d.maxSessionsPerToken, 0, 1_000_000),
    maxChildrenPerToken: int('maxChildrenPerToken', DEFAULT_MAX_CHILDREN_PER_TOKEN, 1, 1_000_000),
  };
  for (const o of Object.values(caps)) if (!o.ok) return o;
  const bootstrap = get('bootstrapAdminToken');
  if (bootstrap !== undefined) {
    const weak = adminTokenWeakness(bootstrap);
    if (weak) return fail('VALIDATION_FAILED', `--bootstrap-admin-token ${weak}`, { field: 'bootstrapAdminToken' });
  }
  const usageInterval = int('usageSampleIntervalMs', 60_000, 50, 3_600_000);
  const usageRetention = int('usageRetentionDays', 30, 1, 3650);
  const eventsRetention = int('eventsRetentionDays', 30, 0, 36500);
  for (const o of [usageInterval, usageRetention, eventsRetention]) if (!o.ok) return o;
  const whAttempts = int('webhookMaxAttempts', 8, 1, 50);
  const whBase = int('webhookRetryBaseMs', 30_000, 10, 86_400_000);
  const whTimeout = int('webhookTimeoutMs', 10_000, 100, 120_000);
  const expiringDays = int('rentalExpiringDays', 3, 0, 90);
  if (!expiringDays.ok) return expiringDays;
  const syncInterval = int('syncIntervalMs', 60_000, 100, 24 * 3_600_000);
  const allocationWindow = int('allocationWindowMs', 72 * 3_600_000, 1000, 365 * 24 * 3_600_000);
  const countedAs = int('countedAs', 0, 1, 2147483647);
  const application = int('application', 0, 1, 2147483647);
  // Ceilings, not just defaults: a longer interval or grace would let the node serve longer without its drive.
  const keyInterval = int('hardwareKeyCheckIntervalMs', 60_000, 100, 60_000);
  const keyGrace = int('hardwareKeyGraceMs', 10 * 60_000, 0, 10 * 60_000);
  for (const o of [syncInterval, allocationWindow, countedAs, application, keyInterval, keyGrace]) if (!o.ok) return o;
  const upstreamUrl = get('upstreamUrl') ?? null;
  if (upstreamUrl !== null && !/^https?:\/\/[^\s/]+/.test(upstreamUrl)) return fail('VALIDATION_FAILED', `--upstream must be an http(s):// URL of the parent node, got ${JSON.stringify(upstreamUrl)}`, { field: 'upstreamUrl' });
  if (upstreamUrl !== null && !get('upstreamToken')) return fail('VALIDATION_FAILED', '--upstream needs --upstream-token (a node token created on the parent: licensor token create --role node)', { field: 'upstreamToken' });
  const fault = get('fault') ? oneOf('fault', 'crash-after-charge', ['crash-after-charge', 'crash-after-renewal-commit'] as const) : null;
  const sync = oneOf('sqliteSynchronous', 'normal', ['normal', 'full'] as const);
  const source = oneOf('hardwareKeySource', get('hardwareKey') ? 'explicit' : 'usb', ['usb', 'machine-id', 'explicit'] as const);
  const level = oneOf('logLevel', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const);
  for (const o of [port, grace, reap, rollbackTolerance, body, ratePerSecond, rateBurst, whAttempts, whBase, whTimeout, sync, source, level]) if (!o.ok) return o;
  if (fault && !fault.ok) return fault;
  const hw = get('hardwareKey');
  if (hw !== undefined) {
    const parsed = parseHardwareKey(hw, '--hardware-key');
    if (!parsed.ok) return parsed;
  }
  if (source.ok && source.value === 'explicit' && !hw) return fail('VALIDATION_FAILED', '--hardware-key-source explicit needs --hardware-key', { field: 'hardwareKey' });
  const store = get('store') ?? 'sqlite';
  if (store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(store)) return fail('VALIDATION_FAILED', `--store must be "sqlite" or a postgres:// URL, got ${JSON.stringify(store)}`, { field: 'store' });
  const tlsCert = get('tlsCert') ?? null;
  const tlsKey = get('tlsKey') ?? null;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) return fail('VALIDATION_FAILED', '--tls-cert and --tls-key go together', { field: tlsCert ? 'tlsKey' : 'tlsCert' });
  const catalogs = get('catalogs');
  return ok({
    dataDir,
    host: get('host') ?? '127.0.0.1',
    port: (port as { value: number }).value,
    store,
    sqliteSynchronous: (sync as { value: 'normal' | 'full' }).value,
    catalogs: catalogs ? catalogs.split(',').map((c) => resolve(c.trim())) : defaultCatalogFiles(),
    licenseFile: get('licenseFile') ? resolve(get('licenseFile') as string) : null,
    issuerPublicKey: get('issuerPublicKey') ?? null,
    issuerDir: get('issuerDir') ?? null,
    hardwareKeySource: (source as { value: NodeConfig['hardwareKeySource'] }).value,
    hardwareKey: hw ? hw.trim().toLowerCase() : null,
    usbDevice: get('usbDevice') ?? null,
    sysfsRoot: get('sysfsRoot') ?? '/',
    application: get('application') ? (application as { value: number }).value : null,
    hardwareKeyCheckIntervalMs: (keyInterval as { value: number }).value,
    hardwareKeyGraceMs: (keyGrace as { value: number }).value,
    sessionGraceMs: (grace as { value: number }).value,
    reapIntervalMs: (reap as { value: number }).value,
    clockRollbackToleranceMs: (rollbackTolerance as { value: number }).value,
    logLevel: (level as { value: NodeConfig['logLevel'] }).value,
    bodyLimitBytes: (body as { value: number }).value,
    rateLimitPerSecond: (ratePerSecond as { value: number }).value,
    rateLimitBurst: (rateBurst as { value: number }).value,
    ...(Object.fromEntries(Object.entries(caps).map(([k, o]) => [k, (o as { value: number }).value])) as Record<keyof typeof caps, number>),
    tlsCert,
    tlsKey,
    bootstrapAdminToken: get('bootstrapAdminToken') ?? null,
    upstreamUrl,
    upstreamToken: get('upstreamToken') ?? null,
    upstreamPublicKey: get('upstreamPublicKey') ?? null,
    nodeName: get('nodeName') ?? hostname(),
    countedAs: get('countedAs') ? (countedAs as { value: number }).value : null,
    syncIntervalMs: (syncInterval as { value: number }).value,
    allocationWindowMs: (allocationWindow as { value: number }).value,
    usageSampleIntervalMs: (usageInterval as { value: number }).value,
    usageRetentionDays: (usageRetention as { value: number }).value,
    eventsRetentionDays: (eventsRetention as { value: number }).value,
    dashboardDir: get('dashboardDir') ? resolve(get('dashboardDir') as string) : null,
    webhookMaxAttempts: (whAttempts as { value: number }).value,
    webhookRetryBaseMs: (whBase as { value: number }).value,
    webhookTimeoutMs: (whTimeout as { value: number }).value,
    rentalExpiringDays: expiringDays.value,
    fault: fault ? (fault as { value: FaultPoint }).value : null,
  });
}

/** Child nodes one `node` token may register unless `--max-children-per-token` says otherwise. */
export const DEFAULT_MAX_CHILDREN_PER_TOKEN = 10;

/** Shortest secret `--bootstrap-admin-token` takes. */
export const MIN_ADMIN_TOKEN_LENGTH = 20;

/** Why an admin token secret chosen by the operator is too weak to guard the node, or null. */
export function adminTokenWeakness(secret: string): string | null {
  if (secret.length < MIN_ADMIN_TOKEN_LENGTH) return `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (got ${secret.length}); generate one with: openssl rand -hex 24`;
  if (!/^[\x21-\x7e]+$/.test(secret)) return 'must be printable ASCII without spaces';
  if (new Set(secret).size < 8) return 'must have at least 8 different characters; generate one with: openssl rand -hex 24';
  return null;
}

function kebab(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
