import { fail } from '@licensor/protocol';
import { DEFAULT_CONNECTION_LIMITS as limits } from '../transport/connection-limits.js';
import { adminTokenWeakness } from './admin-token.js';
import { int, optionalText } from './option-kinds.js';
import {
  DEFAULT_MAX_CHILDREN_PER_TOKEN,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  HOUR,
  type NodeOptionTable,
} from './node-option.js';

/** The HTTP server: body size, rate limits, timeouts, connection caps, TLS, the bootstrap admin token. */
export const HTTP_OPTIONS = {
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
} satisfies Partial<NodeOptionTable>;
