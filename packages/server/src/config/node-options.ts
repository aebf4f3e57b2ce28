import { hostname } from 'node:os';
import { fail, parseHardwareKey } from '@licensor/protocol';
import { defaultCatalogFiles } from '../catalog/load-catalog-file.js';
import { DEFAULT_CONNECTION_LIMITS as limits } from '../transport/connection-limits.js';
import { adminTokenWeakness } from './admin-token.js';
import type { NodeConfig } from './node-config.js';
import {
  choice,
  int,
  type OptionKind,
  optionalChoice,
  optionalInt,
  optionalPath,
  optionalText,
  path,
  pathList,
  text,
} from './option-kinds.js';

/** How an option is given and explained: the half of its definition that `--help` and docs/cli.md are made of. */
export interface OptionMeta {
  env: string;
  /** The flag when it is not the field name in kebab case. */
  flag?: string;
  /** Environment only: no flag, left out of `--help` and docs/cli.md (test-only switches). */
  envOnly?: true;
  /** What the flag takes, e.g. `ms` for `--session-grace-ms <ms>`. */
  arg?: string;
  /** One line for `licensor serve --help`. */
  help: string;
  /** The docs/cli.md table's meaning column (Markdown). */
  doc: string;
  /** The default in words when it is not a plain value (Markdown; backticks are dropped in `--help`). */
  shownDefault?: string;
}

/** One option of `licensor serve`: its flag, environment variable, default, accepted values and description. */
export type NodeOption<T> = OptionMeta & OptionKind<T>;

/** Every option of `licensor serve`, one per NodeConfig field. */
export type NodeOptionTable = { [K in keyof NodeConfig]: NodeOption<NodeConfig[K]> };

/**
 * Default sustained rate per token. Generous on purpose: the HTTP benchmark drives ≈ 4,600 requests/s through one
 * token on a 2-core machine, and the limit is there to stop a runaway client, not to shape normal traffic.
 */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 10_000;

/** Child nodes one `node` token may register unless `--max-children-per-token` says otherwise. */
export const DEFAULT_MAX_CHILDREN_PER_TOKEN = 10;

const HOUR = 3_600_000;
const INT32_MAX = 2_147_483_647;

/** The options of `licensor serve`, in the order `--help` and docs/cli.md list them. */
export const NODE_OPTIONS: NodeOptionTable = {
  dataDir: {
    ...path('./.licensor/node'),
    env: 'LICENSOR_DATA_DIR',
    arg: 'dir',
    help: 'data directory (store, state)',
    doc: 'where the SQLite store lives',
  },
  host: {
    ...text('127.0.0.1'),
    env: 'LICENSOR_HOST',
    arg: 'host',
    help: 'interface to listen on',
    doc: 'interface to listen on (`0.0.0.0` for all)',
  },
  port: {
    ...int(0, 65535, 7070),
    env: 'LICENSOR_PORT',
    arg: 'port',
    help: 'TCP port, 0 = any free port',
    doc: 'TCP port; 0 picks a free one',
  },
  store: {
    ...text('sqlite', (value, name) =>
      value === 'sqlite' || /^postgres(ql)?:\/\//.test(value)
        ? null
        : fail(
            'VALIDATION_FAILED',
            `${name.flag} must be "sqlite" or a postgres:// URL, got ${JSON.stringify(value)}`,
            { field: name.field },
          ),
    ),
    env: 'LICENSOR_STORE',
    arg: 'store',
    help: '"sqlite" (file in the data dir) or a postgres:// URL',
    doc: '`sqlite`, or a `postgres://` URL (`?schema=NAME` to use a schema other than `public`): many processes on one database, see [deployment.md](deployment.md)',
  },
  sqliteSynchronous: {
    ...choice(['normal', 'full'], 'normal'),
    env: 'LICENSOR_SQLITE_SYNCHRONOUS',
    arg: 'mode',
    help: 'normal survives a process crash, full also power loss',
    doc: '`normal` survives a process crash (SIGKILL); `full` also power loss, ~25 % slower',
  },
  catalogs: {
    ...pathList(defaultCatalogFiles),
    env: 'LICENSOR_CATALOGS',
    flag: '--catalog',
    arg: 'file',
    help: 'module catalog files',
    doc: 'module catalogs',
    shownDefault: 'the shipped `catalogs/openservice.json`, `catalogs/syrve-plugins.json`',
  },
  licenseFile: {
    ...optionalPath(),
    env: 'LICENSOR_LICENSE_FILE',
    flag: '--license',
    arg: 'file',
    help: 'license file to install at start',
    doc: 'install this license at start (verified; refused at start if it does not verify)',
  },
  issuerPublicKey: {
    ...optionalText(),
    env: 'LICENSOR_ISSUER_PUBLIC_KEY',
    arg: 'key',
    help: "vendor's Ed25519 public key, ed25519:<base64url>",
    doc: "the vendor's key that licenses must be signed with",
  },
  issuerDir: {
    ...optionalText(),
    env: 'LICENSOR_ISSUER_DIR',
    arg: 'dir',
    help: 'read the issuer public key from <dir>/issuer.pub',
    doc: 'read the issuer key from `DIR/issuer.pub` instead',
  },
  hardwareKeySource: {
    ...choice(['usb', 'machine-id', 'explicit'], (c) => (c.raw('hardwareKey') ? 'explicit' : 'usb')),
    env: 'LICENSOR_HARDWARE_KEY_SOURCE',
    arg: 'source',
    help: 'where the hardware key comes from; it must match the key source the license was issued with',
    doc: '`usb` (the licensed USB drive), `machine-id` or `explicit`; it must match the key source the license was issued with (`explicit` runs only `--key-source any` and developer licenses)',
    shownDefault: '`usb` (`explicit` with `--hardware-key`)',
  },
  hardwareKey: {
    ...optionalText((value, name) => parseHardwareKey(value, name.flag)),
    env: 'LICENSOR_HARDWARE_KEY',
    arg: 'hex',
    help: 'use this 64-hex hardware key: only for a license issued with --key-source any, or a developer license',
    doc: "a key given by hand (implies `explicit`): only for a license issued `--key-source any`, or a developer license; otherwise `serve` exits 3 naming the license's key source",
  },
  usbDevice: {
    ...optionalText(),
    env: 'LICENSOR_USB_DEVICE',
    arg: 'name',
    help: 'USB drive to take the key from: sdb or its serial',
    doc: "`sdb` or the drive's serial",
    shownDefault: 'first drive with a serial',
  },
  sysfsRoot: {
    ...text('/'),
    env: 'LICENSOR_SYSFS_ROOT',
    arg: 'dir',
    help: 'read sysfs under this root; a key read there counts as given by hand',
    doc: 'read sysfs (and `etc/machine-id`) under another root (tests); a key read there counts as given by hand',
  },
  // Ceilings, not just defaults: a longer interval or grace would let a licensee's node serve longer without its drive.
  hardwareKeyCheckIntervalMs: {
    ...int(100, 60_000, 60_000),
    env: 'LICENSOR_HARDWARE_KEY_CHECK_INTERVAL_MS',
    arg: 'ms',
    help: 'how often the USB drive is looked for; the most is a ceiling',
    doc: 'how often a USB-bound node looks for its drive; the most is a ceiling: a node may look more often, never less',
  },
  hardwareKeyGraceMs: {
    ...int(0, 10 * 60_000, 10 * 60_000),
    env: 'LICENSOR_HARDWARE_KEY_GRACE_MS',
    arg: 'ms',
    help: 'how long the node serves once the USB drive is gone; the most is a ceiling',
    doc: 'how long the node serves once its drive is gone; the most is a ceiling. Then client work gets `409 HARDWARE_KEY_ABSENT` until the drive is back',
  },
  application: {
    ...optionalInt(1, INT32_MAX),
    env: 'LICENSOR_APPLICATION',
    arg: 'module',
    help: 'the server application this node runs, e.g. 1001 License Server or 1002 Data Server',
    doc: "the server application this node runs, e.g. `1001` License Server or `1002` Data Server. Without it, a node whose license (or allocation) signs terms for server applications must hold at least one of them; with it, that one (a module that is not one of the license's server applications, such as `4001`, is refused the same way). Otherwise client work is refused with `409 LICENSE_MISSING` naming the module; admin endpoints and upstream sync go on, and service resumes once a license or allocation grants it",
    shownDefault: 'any the license names',
  },
  sessionGraceMs: {
    ...int(0, HOUR, 15_000),
    env: 'LICENSOR_SESSION_GRACE_MS',
    arg: 'ms',
    help: "how long a dropped SDK session's leases wait for the device to return",
    doc: "how long a dropped SDK session's slots wait for the same device",
  },
  reapIntervalMs: {
    ...int(50, 60_000, 1000),
    env: 'LICENSOR_REAP_INTERVAL_MS',
    arg: 'ms',
    help: 'how often expired leases are freed',
    doc: 'how often expired leases are freed',
  },
  clockRollbackToleranceMs: {
    ...int(0, 7 * 24 * HOUR, 5 * 60_000),
    env: 'LICENSOR_CLOCK_ROLLBACK_TOLERANCE_MS',
    arg: 'ms',
    help: 'how far the clock may fall behind the latest time seen before it counts as rolled back',
    doc: "licenses are always judged at max(clock, the node's high-water mark: the latest time reached, moved on by monotonic time while the node runs and kept in the store); a clock behind the mark by more than this is logged and recorded once as `clock.rolled_back`. The setting changes only when that is said, never the time licenses are judged at",
  },
  logLevel: {
    ...choice(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    env: 'LICENSOR_LOG_LEVEL',
    arg: 'level',
    help: 'pino log level, or silent (JSON lines when stdout is not a terminal, readable lines on one)',
    doc: 'pino level, or `silent`; one JSON object a line when stdout is not a terminal, one readable line on a terminal (docs/deployment.md, Logs)',
  },
  bodyLimitBytes: {
    ...int(1024, 16 * 1024 * 1024, 256 * 1024),
    env: 'LICENSOR_BODY_LIMIT_BYTES',
    arg: 'n',
    help: 'largest accepted request body',
    doc: 'larger bodies get 413 `PAYLOAD_TOO_LARGE`',
  },
  rateLimitPerSecond: {
    ...int(0, 1_000_000, DEFAULT_RATE_LIMIT_PER_SECOND),
    env: 'LICENSOR_RATE_LIMIT_PER_SECOND',
    arg: 'n',
    help: 'requests per second per API token (per IP without a valid token), 0 = off',
    doc: 'sustained requests per second per API token (per client IP for requests without a valid token); over it: 429 `RATE_LIMITED` with `Retry-After`; `0` turns it off. SDK session messages are not counted',
  },
  rateLimitBurst: {
    ...int(1, 2_000_000, (c) => Math.max(1, 2 * c.value('rateLimitPerSecond'))),
    env: 'LICENSOR_RATE_LIMIT_BURST',
    arg: 'n',
    help: 'requests a token may make at once',
    doc: 'requests a token may make at once after being idle',
    shownDefault: 'twice the rate',
  },
  headersTimeoutMs: {
    ...int(100, 600_000, limits.headersTimeoutMs),
    env: 'LICENSOR_HEADERS_TIMEOUT_MS',
    arg: 'ms',
    help: 'request line and headers must arrive within this time',
    doc: 'request line and headers must arrive within this time, else `408 REQUEST_TIMEOUT` and the connection closes',
  },
  requestTimeoutMs: {
    ...int(100, HOUR, limits.requestTimeoutMs),
    env: 'LICENSOR_REQUEST_TIMEOUT_MS',
    arg: 'ms',
    help: 'the whole request, body included, must arrive within this time',
    doc: 'the whole request, body included, must arrive within this time (a body trickled a byte at a time is cut)',
  },
  keepAliveTimeoutMs: {
    ...int(100, 600_000, limits.keepAliveTimeoutMs),
    env: 'LICENSOR_KEEP_ALIVE_TIMEOUT_MS',
    arg: 'ms',
    help: 'idle keep-alive connections close after this time',
    doc: 'an idle keep-alive connection closes after this time',
  },
  maxConnections: {
    ...int(0, 1_000_000, limits.maxConnections),
    env: 'LICENSOR_MAX_CONNECTIONS',
    arg: 'n',
    help: 'open connections in all, 0 = no cap',
    doc: 'open connections in all; `0` = no cap',
  },
  maxConnectionsPerIp: {
    ...int(0, 1_000_000, limits.maxConnectionsPerIp),
    env: 'LICENSOR_MAX_CONNECTIONS_PER_IP',
    arg: 'n',
    help: 'open connections per client IP, 0 = no cap',
    doc: "open connections per client IP (behind a proxy: the proxy's); beyond: `429 CONNECTION_LIMIT`; `0` = no cap",
  },
  maxSessionsPerIp: {
    ...int(0, 1_000_000, limits.maxSessionsPerIp),
    env: 'LICENSOR_MAX_SESSIONS_PER_IP',
    arg: 'n',
    help: 'open SDK sessions per client IP, 0 = no cap',
    doc: 'open SDK sessions per client IP; beyond: the upgrade gets `429 CONNECTION_LIMIT`; `0` = no cap',
  },
  maxSessionsPerToken: {
    ...int(0, 1_000_000, limits.maxSessionsPerToken),
    env: 'LICENSOR_MAX_SESSIONS_PER_TOKEN',
    arg: 'n',
    help: 'open SDK sessions per API token, 0 = no cap',
    doc: 'open SDK sessions per API token; `0` = no cap',
  },
  maxChildrenPerToken: {
    ...int(1, 1_000_000, DEFAULT_MAX_CHILDREN_PER_TOKEN),
    env: 'LICENSOR_MAX_CHILDREN_PER_TOKEN',
    arg: 'n',
    help: 'child nodes one node token may register',
    doc: 'child nodes one `node` token may register; beyond: `409 CHILD_LIMIT_REACHED` (admin tokens are not capped)',
  },
  tlsCert: {
    ...optionalText(),
    env: 'LICENSOR_TLS_CERT',
    arg: 'file',
    help: 'serve HTTPS with this certificate (PEM)',
    doc: 'serve HTTPS (and `wss://` sessions) with this certificate (PEM); needs `--tls-key`',
  },
  tlsKey: {
    ...optionalText(),
    env: 'LICENSOR_TLS_KEY',
    arg: 'file',
    help: 'private key of --tls-cert (PEM)',
    doc: 'the private key of `--tls-cert` (PEM); both or neither',
  },
  bootstrapAdminToken: {
    ...optionalText((value, name) => {
      const weak = adminTokenWeakness(value);
      return weak ? fail('VALIDATION_FAILED', `${name.flag} ${weak}`, { field: name.field }) : null;
    }),
    env: 'LICENSOR_BOOTSTRAP_ADMIN_TOKEN',
    arg: 'secret',
    help: 'create an admin token with this secret if it does not exist',
    doc: 'create an admin token with this secret if it does not exist; at least 20 printable characters, 8 of them different (`openssl rand -hex 24`)',
  },
  usageSampleIntervalMs: {
    ...int(50, HOUR, 60_000),
    env: 'LICENSOR_USAGE_SAMPLE_INTERVAL_MS',
    arg: 'ms',
    help: "how often pool use is sampled for the dashboard's charts",
    doc: "how often every licensed pool's use is sampled for the dashboard's usage charts (`GET /v1/usage`)",
  },
  usageRetentionDays: {
    ...int(1, 3650, 30),
    env: 'LICENSOR_USAGE_RETENTION_DAYS',
    arg: 'days',
    help: 'how long usage samples are kept',
    doc: 'how long usage samples are kept; older ones are pruned as new ones are taken',
  },
  eventsRetentionDays: {
    ...int(0, 36_500, 30),
    env: 'LICENSOR_EVENTS_RETENTION_DAYS',
    arg: 'days',
    help: 'how long the events feed is kept, 0 = forever',
    doc: 'how long the events feed is kept (`0` = forever); older events are deleted in small batches every 10 s. The audit log is kept',
  },
  dashboardDir: {
    ...optionalPath(),
    env: 'LICENSOR_DASHBOARD_DIR',
    arg: 'dir',
    help: 'built dashboard served at /',
    doc: 'the built admin dashboard served at `/`',
    shownDefault: '`packages/web/dist`',
  },
  webhookMaxAttempts: {
    ...int(1, 50, 8),
    env: 'LICENSOR_WEBHOOK_MAX_ATTEMPTS',
    arg: 'n',
    help: 'attempts per webhook delivery before giving up',
    doc: 'attempts per webhook delivery before it is marked `failed`',
  },
  webhookRetryBaseMs: {
    ...int(10, 24 * HOUR, 30_000),
    env: 'LICENSOR_WEBHOOK_RETRY_BASE_MS',
    arg: 'ms',
    help: 'wait before the second attempt, doubling with jitter after',
    doc: 'wait before the second attempt; each later wait doubles (jittered into its upper half, capped at 6 h)',
  },
  webhookTimeoutMs: {
    ...int(100, 120_000, 10_000),
    env: 'LICENSOR_WEBHOOK_TIMEOUT_MS',
    arg: 'ms',
    help: 'how long one webhook request may take',
    doc: 'how long one webhook request may take',
  },
  rentalExpiringDays: {
    ...int(0, 90, 3),
    env: 'LICENSOR_RENTAL_EXPIRING_DAYS',
    arg: 'days',
    help: 'send license.expiring this many days before an unfunded rental period ends',
    doc: 'a vendor node sends `license.expiring` this many days before an unfunded rental period ends',
  },
  upstreamUrl: {
    ...optionalText((value, name) =>
      /^https?:\/\/[^\s/]+/.test(value)
        ? null
        : fail(
            'VALIDATION_FAILED',
            `${name.flag} must be an http(s):// URL of the parent node, got ${JSON.stringify(value)}`,
            { field: name.field },
          ),
    ),
    env: 'LICENSOR_UPSTREAM',
    flag: '--upstream',
    arg: 'url',
    help: 'parent node URL: this node is a child in an enterprise tree and syncs with it',
    doc: 'the parent node: this node is a child in an enterprise tree, syncs with it and serves on the allocation it sends (docs/api.md, Enterprise tree)',
  },
  upstreamToken: {
    ...optionalText(),
    env: 'LICENSOR_UPSTREAM_TOKEN',
    arg: 'secret',
    help: 'a node token created on the parent (licensor token create --role node)',
    doc: 'a `node` token created on the parent; required with `--upstream`',
  },
  upstreamPublicKey: {
    ...optionalText(),
    env: 'LICENSOR_UPSTREAM_PUBLIC_KEY',
    arg: 'key',
    help: "the parent's node key to trust, ed25519:<base64url>",
    doc: "the parent's node key to trust (`ed25519:…`, see the parent's `licensor nodes`); without it the key of the first answer is pinned",
    shownDefault: 'pin the first one seen',
  },
  nodeName: {
    ...text(hostname),
    env: 'LICENSOR_NODE_NAME',
    arg: 'name',
    help: 'name shown to the parent',
    doc: 'the name this node shows its parent',
    shownDefault: 'host name',
  },
  countedAs: {
    ...optionalInt(1, INT32_MAX),
    env: 'LICENSOR_COUNTED_AS',
    arg: 'module',
    help: 'accepted for compatibility, without effect: the parent counts every child in the child-node module it holds',
    doc: "accepted for compatibility, without effect on counting: the parent counts every child in the child-node module it holds (1003; beyond the quantity: blocked, latest first), by the child's hardware key",
  },
  syncIntervalMs: {
    ...int(100, 24 * HOUR, 60_000),
    env: 'LICENSOR_SYNC_INTERVAL_MS',
    arg: 'ms',
    help: "how often this node's children sync",
    doc: "how often this node's children sync (they learn it from each answer)",
  },
  allocationWindowMs: {
    ...int(1000, 365 * 24 * HOUR, 72 * HOUR),
    env: 'LICENSOR_ALLOCATION_WINDOW_MS',
    arg: 'ms',
    help: 'how long children serve on an allocation without a sync',
    doc: "how long this node's children keep serving on an allocation without a sync: their offline grace",
    shownDefault: '`259200000` (72 h)',
  },
  fault: {
    ...optionalChoice(['crash-after-charge', 'crash-after-renewal-commit']),
    env: 'LICENSOR_FAULT',
    envOnly: true,
    help: 'test-only: SIGKILL the node at this point',
    doc: 'test-only fault injection',
  },
};
