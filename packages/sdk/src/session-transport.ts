import {
  type FrameSocket,
  type Problem,
  type SessionPush,
  type SessionServerMessage,
  sendTextFrame,
} from '@licensor/protocol';
import { WebSocket as WsWebSocket } from 'ws';
import { backoffDelay } from './backoff-delay.js';
import type { ConnectionError } from './errors/connection-error.js';
import type { LicensingError } from './errors/licensing-error.js';
import { connectionError, toLicensingError } from './errors/to-licensing-error.js';
import { InflightTable } from './inflight-table.js';
import type { OperationRequest, Transport } from './operation-request.js';
import type { WebSocketConstructor, WebSocketLike, WebSocketOptions } from './web-socket-like.js';

/** Settings and callbacks of the session transport. */
export interface SessionTransportOptions {
  url: string;
  token: string;
  requestTimeoutMs: number;
  ca?: string | Buffer;
  WebSocket?: WebSocketConstructor;
  maxReconnectDelayMs?: number;
  /** A message the node pushed (hello, lease.lost, member.state, …). */
  onPush(push: SessionPush): void;
  /** The socket opened (first time or after a reconnect); called before queued requests are sent. */
  onOpen(reconnected: boolean): void;
  /** An open socket dropped; the transport is reconnecting. */
  onDrop(error: ConnectionError): void;
}

interface Pending {
  /** The request id while it is in flight (set by the in-flight table), else 0. */
  id: number;
  req: OperationRequest;
  resolve(value: unknown): void;
  reject(err: LicensingError): void;
  /** When the request times out (performance.now() clock). */
  deadline: number;
  /** Connection failures this request has lived through; the second one rejects it. */
  failures: number;
}

type State = 'idle' | 'connecting' | 'open' | 'closed';

/** Turns `http(s)://host/base` into `ws(s)://host/base/v1/session`. */
export function sessionUrl(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : u.protocol === 'http:' ? 'ws:' : u.protocol;
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/session`;
  return u.toString();
}

/**
 * One WebSocket to the node, multiplexing requests by numeric id. Connects lazily, reconnects with capped backoff,
 * and gives every request one retry across a dropped connection (acquire, heartbeat and release are idempotent per
 * holder on the node, so a retry cannot take a second slot).
 */
export class SessionTransport implements Transport {
  private readonly opts: SessionTransportOptions;
  private readonly url: string;
  private state: State = 'idle';
  private ws: WebSocketLike | null = null;
  private outbox: string[] = [];
  private readonly inflight = new InflightTable<Pending>();
  private queue: Pending[] = [];
  private failedAttempts = 0;
  private everOpened = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closeWaiters: (() => void)[] = [];

  constructor(opts: SessionTransportOptions) {
    this.opts = opts;
    this.url = sessionUrl(opts.url);
  }

  /** True while the socket is open. */
  get connected(): boolean {
    return this.state === 'open';
  }

  call(req: OperationRequest): Promise<unknown> {
    if (this.state === 'closed') return Promise.reject(connectionError('the client is closed'));
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        id: 0,
        req,
        resolve,
        reject,
        failures: 0,
        deadline: performance.now() + this.opts.requestTimeoutMs,
      };
      this.watchTimeouts();
      if (this.state === 'open') this.send(pending);
      else {
        this.queue.push(pending);
        this.openSocket();
      }
    });
  }

  /** Opens the socket now (instead of on first use). */
  connect(): void {
    this.openSocket();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    const err = connectionError('the client is closed');
    for (const p of [...this.queue, ...this.inflight.values()]) this.settle(p, err);
    this.queue = [];
    this.inflight.clear();
    const ws = this.ws;
    if (!ws) return;
    await new Promise<void>((resolve) => {
      this.closeWaiters.push(resolve);
      // A node that never completes the closing handshake must not hold close() hostage.
      const kill = setTimeout(() => {
        ws.terminate();
        this.detach(ws);
      }, 1_000);
      kill.unref();
      this.closeWaiters.push(() => clearTimeout(kill));
      ws.close(1000, 'client closed');
    });
  }

  /** Drops the socket abruptly (tests and fault injection); the transport reconnects as after a network failure. */
  terminateSocket(): void {
    this.ws?.terminate();
  }

  private openSocket(): void {
    if (this.state !== 'idle' || this.reconnectTimer) return;
    this.state = 'connecting';
    const Ctor = this.opts.WebSocket ?? (WsWebSocket as unknown as WebSocketConstructor);
    const options: WebSocketOptions = {
      headers: { authorization: `Bearer ${this.opts.token}` },
      handshakeTimeout: this.opts.requestTimeoutMs,
      // Messages are small JSON; compression costs more CPU than it saves on the hot path.
      perMessageDeflate: false,
    };
    if (this.opts.ca !== undefined) options.ca = this.opts.ca;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(this.url, options);
    } catch (err) {
      this.state = 'idle';
      this.failConnection(
        connectionError(`cannot open ${this.url}: ${err instanceof Error ? err.message : String(err)}`, err),
        false,
      );
      return;
    }
    this.ws = ws;
    let lastError: Error | undefined;
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.state = 'open';
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.failedAttempts = 0;
      this.opts.onOpen(reconnected);
      const queued = this.queue;
      this.queue = [];
      for (const p of queued) this.send(p);
    });
    ws.on('message', (data) => {
      if (this.ws === ws) this.onMessage(data.toString());
    });
    ws.on('error', (err) => {
      lastError = err;
    });
    ws.on('unexpected-response', (req, res) => {
      // The upgrade was refused with an HTTP answer (401, 403, 503 …): read the problem+json and fail with it.
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        let problem: Partial<Problem> | undefined;
        try {
          problem = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<Problem>;
        } catch {
          problem = undefined;
        }
        const status = res.statusCode ?? 0;
        const err = toLicensingError(problem ?? { detail: `session upgrade refused with HTTP ${status}` }, status);
        if (this.ws !== ws) return;
        this.detach(ws);
        // Auth and client errors will not heal by retrying: fail every waiting request at once.
        this.failConnection(err, status >= 400 && status < 500);
      });
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) {
        this.flushCloseWaiters();
        return;
      }
      this.detach(ws);
      const why = lastError
        ? lastError.message
        : `closed with code ${code}${reason.length ? ` (${reason.toString()})` : ''}`;
      this.failConnection(connectionError(`session ${this.url} dropped: ${why}`, lastError), false);
    });
  }

  private detach(ws: WebSocketLike): void {
    if (this.ws === ws) this.ws = null;
    this.flushCloseWaiters();
  }

  private flushCloseWaiters(): void {
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
  }

  private failConnection(err: LicensingError, fatal: boolean): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'idle';
    // In-flight requests go back to the front of the queue, in the order they were sent.
    const requeue = [...this.inflight.values(), ...this.queue];
    this.inflight.clear();
    this.queue = [];
    for (const p of requeue) {
      p.failures++;
      if (fatal || p.failures > 1) this.settle(p, err);
      else this.queue.push(p);
    }
    if (wasOpen)
      this.opts.onDrop(err.name === 'ConnectionError' ? (err as ConnectionError) : connectionError(err.message, err));
    if (fatal) {
      // Wait for the next call to try again; hammering a node that refused the token helps nobody.
      this.failedAttempts = 0;
      return;
    }
    this.failedAttempts++;
    if (this.queue.length > 0 || this.everOpened) {
      const delay =
        this.queue.length > 0 && this.failedAttempts === 1
          ? 0
          : backoffDelay(this.failedAttempts - 1, 100, this.opts.maxReconnectDelayMs ?? 5_000);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.openSocket();
      }, delay);
      this.reconnectTimer.unref();
    }
  }

  private send(p: Pending): void {
    const id = this.inflight.add(p);
    if (id === null) {
      p.reject(connectionError('more than 2^20 requests in flight on one session'));
      return;
    }
    if (!this.ws) return;
    this.outbox.push(JSON.stringify({ id, ...p.req }));
    // Requests made in the same turn of the event loop leave as one message: one frame, one write.
    if (this.outbox.length === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const out = this.outbox;
    this.outbox = [];
    const ws = this.ws;
    if (!ws || out.length === 0) return;
    // A failed write means the socket is going down; its 'close' event requeues the requests, so errors are ignored.
    sendTextFrame(ws as FrameSocket, out.length === 1 ? (out[0] as string) : `[${out.join(',')}]`, true);
  }

  private onMessage(text: string): void {
    let parsed: SessionServerMessage | SessionServerMessage[];
    try {
      parsed = JSON.parse(text) as SessionServerMessage | SessionServerMessage[];
    } catch {
      return;
    }
    if (Array.isArray(parsed)) for (const m of parsed) this.onOne(m);
    else this.onOne(parsed);
  }

  private onOne(msg: SessionServerMessage): void {
    if (!msg || typeof msg !== 'object') return;
    if ('push' in msg) {
      this.opts.onPush(msg);
      return;
    }
    const p = typeof msg.id === 'number' ? this.inflight.take(msg.id) : undefined;
    if (!p) return;
    if (msg.ok) p.resolve(msg.result);
    else p.reject(toLicensingError(msg.error));
  }

  /**
   * One sweep timer per transport rather than a timer per request: a timer set and cleared for every operation was a
   * measurable share of the hot path's CPU and garbage. A request times out between its deadline and a tenth of the
   * timeout later (at most a second).
   */
  private watchTimeouts(): void {
    if (this.sweepTimer) return;
    const every = Math.min(1000, Math.max(10, Math.ceil(this.opts.requestTimeoutMs / 10)));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  private sweep(): void {
    const now = performance.now();
    for (const p of [...this.inflight.values(), ...this.queue]) if (p.deadline <= now) this.timeout(p);
    if (this.inflight.size === 0 && this.queue.length === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
    }
  }

  private timeout(p: Pending): void {
    if (p.id !== 0 && this.inflight.take(p.id)) {
      // No answer within the timeout on an open socket: treat the socket as half-open and start over.
      this.ws?.terminate();
    }
    this.queue = this.queue.filter((q) => q !== p);
    p.reject(
      connectionError(
        `${p.req.op} got no answer within ${this.opts.requestTimeoutMs} ms`,
        undefined,
        'REQUEST_TIMEOUT',
      ),
    );
  }

  private settle(p: Pending, err: LicensingError): void {
    p.reject(err);
  }
}
