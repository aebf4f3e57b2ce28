import { type Failure, fail, ok, type Outcome } from '@licensor/protocol';
import { NODE_OPTIONS, type NodeOption } from './node-options.js';
import type { OptionContext } from './option-kinds.js';

/** Everything `licensor serve` is configured with. Flags win over environment variables, which win over defaults. */
export interface NodeConfig {
  dataDir: string;
  host: string;
  port: number;
  /** `sqlite` (file in the data dir) or a `postgres://` URL. */
  store: string;
  /** With a shared store: where the other processes reach this one (null: the listening address). */
  advertiseUrl: string | null;
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

/** Option texts as given on the command line, by config field; a list option may come as several words. */
export type NodeConfigFlags = Partial<Record<keyof NodeConfig, string | string[] | undefined>>;

/**
 * Builds the node config from CLI flags and the environment (the only place the node reads the environment), as
 * NODE_OPTIONS defines each option: its flag, environment variable, default and accepted values.
 */
export function loadNodeConfig(flags: NodeConfigFlags, env: NodeJS.ProcessEnv = process.env): Outcome<NodeConfig> {
  const raw = (key: keyof NodeConfig): string | undefined => {
    const given = flags[key];
    if (Array.isArray(given)) return given.length ? given.join(',') : undefined;
    return given ?? env[NODE_OPTIONS[key].env] ?? undefined;
  };
  // Every value is read even after a bad one (the default stands in), so the config is built in one typed literal;
  // the first failure in the table's order is the answer.
  const failures: Failure[] = [];
  const context: OptionContext = { raw, value: read };
  function read<K extends keyof NodeConfig>(key: K): NodeConfig[K] {
    const option: NodeOption<NodeConfig[K]> = NODE_OPTIONS[key];
    const text = raw(key);
    if (text === undefined || (text === '' && option.emptyIsUnset)) return option.fallback(context);
    const parsed = option.parse(text, { flag: optionFlag(key), field: key }, context);
    if (parsed.ok) return parsed.value;
    failures.push(parsed);
    return option.fallback(context);
  }
  const config: NodeConfig = {
    dataDir: read('dataDir'),
    host: read('host'),
    port: read('port'),
    store: read('store'),
    advertiseUrl: read('advertiseUrl'),
    sqliteSynchronous: read('sqliteSynchronous'),
    catalogs: read('catalogs'),
    licenseFile: read('licenseFile'),
    issuerPublicKey: read('issuerPublicKey'),
    issuerDir: read('issuerDir'),
    hardwareKeySource: read('hardwareKeySource'),
    hardwareKey: read('hardwareKey'),
    usbDevice: read('usbDevice'),
    sysfsRoot: read('sysfsRoot'),
    application: read('application'),
    hardwareKeyCheckIntervalMs: read('hardwareKeyCheckIntervalMs'),
    hardwareKeyGraceMs: read('hardwareKeyGraceMs'),
    sessionGraceMs: read('sessionGraceMs'),
    reapIntervalMs: read('reapIntervalMs'),
    clockRollbackToleranceMs: read('clockRollbackToleranceMs'),
    logLevel: read('logLevel'),
    bodyLimitBytes: read('bodyLimitBytes'),
    rateLimitPerSecond: read('rateLimitPerSecond'),
    rateLimitBurst: read('rateLimitBurst'),
    headersTimeoutMs: read('headersTimeoutMs'),
    requestTimeoutMs: read('requestTimeoutMs'),
    keepAliveTimeoutMs: read('keepAliveTimeoutMs'),
    maxConnections: read('maxConnections'),
    maxConnectionsPerIp: read('maxConnectionsPerIp'),
    maxSessionsPerIp: read('maxSessionsPerIp'),
    maxSessionsPerToken: read('maxSessionsPerToken'),
    maxChildrenPerToken: read('maxChildrenPerToken'),
    tlsCert: read('tlsCert'),
    tlsKey: read('tlsKey'),
    bootstrapAdminToken: read('bootstrapAdminToken'),
    upstreamUrl: read('upstreamUrl'),
    upstreamToken: read('upstreamToken'),
    upstreamPublicKey: read('upstreamPublicKey'),
    nodeName: read('nodeName'),
    countedAs: read('countedAs'),
    syncIntervalMs: read('syncIntervalMs'),
    allocationWindowMs: read('allocationWindowMs'),
    usageSampleIntervalMs: read('usageSampleIntervalMs'),
    usageRetentionDays: read('usageRetentionDays'),
    eventsRetentionDays: read('eventsRetentionDays'),
    dashboardDir: read('dashboardDir'),
    webhookMaxAttempts: read('webhookMaxAttempts'),
    webhookRetryBaseMs: read('webhookRetryBaseMs'),
    webhookTimeoutMs: read('webhookTimeoutMs'),
    rentalExpiringDays: read('rentalExpiringDays'),
    fault: read('fault'),
  };
  return failures.at(0) ?? combinationFailure(config) ?? ok(config);
}

/** Options that are each fine but do not go together. */
function combinationFailure(c: NodeConfig): Failure | undefined {
  if (c.upstreamUrl !== null && !c.upstreamToken)
    return fail(
      'VALIDATION_FAILED',
      '--upstream needs --upstream-token (a node token created on the parent: licensor token create --role node)',
      { field: 'upstreamToken' },
    );
  if (c.hardwareKeySource === 'explicit' && !c.hardwareKey)
    return fail('VALIDATION_FAILED', '--hardware-key-source explicit needs --hardware-key', { field: 'hardwareKey' });
  if (Boolean(c.tlsCert) !== Boolean(c.tlsKey))
    return fail('VALIDATION_FAILED', '--tls-cert and --tls-key go together', {
      field: c.tlsCert ? 'tlsKey' : 'tlsCert',
    });
  return undefined;
}

/** The flag of an option (`--upstream` for upstreamUrl); environment-only options are named as if they had one. */
export function optionFlag(key: keyof NodeConfig): string {
  return NODE_OPTIONS[key].flag ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The environment variable of an option. */
export function optionEnv(key: keyof NodeConfig): string {
  return NODE_OPTIONS[key].env;
}
