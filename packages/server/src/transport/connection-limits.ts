import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorCode } from '@licensor/protocol';
import type { NodeConfig } from '../config/node-config.js';
import { toProblem } from './error-mapping.js';

/** Timeouts and caps that keep one slow, idle or greedy client from holding the node's connections (see NodeConfig). */
export type ConnectionLimits = Pick<
  NodeConfig,
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'maxConnections'
  | 'maxConnectionsPerIp'
  | 'maxSessionsPerIp'
  | 'maxSessionsPerToken'
>;

/** The documented defaults (SECURITY.md, docs/cli.md). */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 1_000,
  maxSessionsPerIp: 1_000,
  maxSessionsPerToken: 5_000,
};

/** The limits a node config names. */
export function connectionLimits(c: ConnectionLimits): ConnectionLimits {
  const {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    maxConnections,
    maxConnectionsPerIp,
    maxSessionsPerIp,
    maxSessionsPerToken,
  } = c;
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    maxConnections,
    maxConnectionsPerIp,
    maxSessionsPerIp,
    maxSessionsPerToken,
  };
}

/** Largest request head (request line and headers) the node reads; larger gets 431 HEADERS_TOO_LARGE. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** Options of node:http(s).createServer that enforce the timeouts. */
export function serverOptions(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: MAX_HEADER_BYTES,
    // Timeouts are enforced by a sweep over open connections; sweep often enough that a short timeout means what it says.
    connectionsCheckingInterval: Math.max(
      100,
      Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)),
    ),
  };
}

/** Writes a problem+json answer straight to a socket (errors raised before Fastify has a request) and closes it. */
export function writeRawProblem(socket: Socket, code: ErrorCode, message: string, extraHeaders = ''): void {
  if (!socket.writable) return void socket.destroy();
  const problem = toProblem({ code, message });
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extraHeaders}\r\n${body}`,
  );
  socket.destroySoon?.();
}

/**
 * Fastify's clientErrorHandler: what node's HTTP parser rejects before any route sees it (a bad or doubled
 * Content-Length, a control character in a header, raw bytes in the path, oversized headers, a request that took too
 * long) answers in problem+json with a code, like every other rejection.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const reason = (err as { reason?: string }).reason ?? err.message;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    writeRawProblem(socket, 'REQUEST_TIMEOUT', 'the request headers or body did not arrive in time');
  else if (err.code === 'HPE_HEADER_OVERFLOW')
    writeRawProblem(socket, 'HEADERS_TOO_LARGE', `request headers are larger than ${MAX_HEADER_BYTES} bytes`);
  else
    writeRawProblem(
      socket,
      'REQUEST_MALFORMED',
      `the HTTP request cannot be read: ${String(reason)
        .replace(/[^\x20-\x7e]/g, '?')
        .slice(0, 200)}`,
    );
}

/**
 * Caps open connections in all (node refuses the rest) and per client IP: a connection beyond its IP's share is
 * answered 429 CONNECTION_LIMIT and closed, on plain HTTP at once, on HTTPS at its first request.
 */
export function capConnections(
  server: Server,
  limits: ConnectionLimits,
  tls: boolean,
): { overCap(socket: Socket): boolean } {
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  const perIp = new Map<string, number>();
  const over = new WeakSet<Socket>();
  if (limits.maxConnectionsPerIp > 0) {
    server.on('connection', (socket: Socket) => {
      const ip = socket.remoteAddress ?? '';
      const n = (perIp.get(ip) ?? 0) + 1;
      perIp.set(ip, n);
      socket.once('close', () => {
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left <= 0) perIp.delete(ip);
        else perIp.set(ip, left);
      });
      if (n <= limits.maxConnectionsPerIp) return;
      over.add(socket);
      if (!tls)
        writeRawProblem(
          socket,
          'CONNECTION_LIMIT',
          `more than ${limits.maxConnectionsPerIp} open connections from ${ip}`,
          'Retry-After: 1\r\n',
        );
    });
  }
  return { overCap: (socket) => over.has(socket) };
}

/** Counts open SDK sessions per client IP and per token, against their caps. */
export class SessionCounter {
  private readonly byIp = new Map<string, number>();
  private readonly byToken = new Map<string, number>();

  constructor(private readonly limits: Pick<ConnectionLimits, 'maxSessionsPerIp' | 'maxSessionsPerToken'>) {}

  /** Why a new session from `ip` with `tokenId` is refused, or null when it may open. */
  refusal(ip: string, tokenId: string): string | null {
    const { maxSessionsPerIp: perIp, maxSessionsPerToken: perToken } = this.limits;
    if (perIp > 0 && (this.byIp.get(ip) ?? 0) >= perIp) return `more than ${perIp} open SDK sessions from ${ip}`;
    if (perToken > 0 && (this.byToken.get(tokenId) ?? 0) >= perToken)
      return `more than ${perToken} open SDK sessions with this token`;
    return null;
  }

  /** Counts a session in; the returned function counts it out. */
  open(ip: string, tokenId: string): () => void {
    bump(this.byIp, ip, 1);
    bump(this.byToken, tokenId, 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      bump(this.byIp, ip, -1);
      bump(this.byToken, tokenId, -1);
    };
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
