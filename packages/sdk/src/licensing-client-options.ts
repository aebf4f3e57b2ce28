import type { WebSocketConstructor } from './web-socket-like.js';

/** How the client talks to the node. */
export type TransportKind = 'session' | 'http';

/** Options of `new LicensingClient(...)`. */
export interface LicensingClientOptions {
  /** Base URL of the node, e.g. `http://127.0.0.1:7400` (https for TLS; the session uses ws/wss accordingly). */
  url: string;
  /** An API token with the `app` role. */
  token: string;
  /** `session` (default): one multiplexed WebSocket with server push. `http`: one request per operation, no push. */
  transport?: TransportKind;
  /** How long held leases survive a dropped session before the client declares them lost; default: the node's grace (hello), else 15 s. */
  graceMs?: number;
  /** Heartbeat interval; default: what the node asks for (hello push or lease answer). */
  heartbeatIntervalMs?: number;
  /** Per-request timeout (default 10 000 ms); on the session a request fails within a tenth of it after the deadline. */
  requestTimeoutMs?: number;
  /** Extra CA certificate(s) to trust for https/wss (a private CA of the node). */
  ca?: string | Buffer;
  /** WebSocket constructor override (default: `ws`). */
  WebSocket?: WebSocketConstructor;
  /** Upper bound of the reconnect backoff (default 5 000 ms). */
  maxReconnectDelayMs?: number;
}
