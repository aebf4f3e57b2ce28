import type { IncomingMessage } from 'node:http';

/** Options the SDK passes when it opens a session socket (a subset of `ws` ClientOptions). */
export interface WebSocketOptions {
  headers: Record<string, string>;
  ca?: string | Buffer;
  handshakeTimeout?: number;
  perMessageDeflate?: boolean;
}

/** The part of a `ws` WebSocket the SDK uses; declared here so the public types do not need @types/ws. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'unexpected-response', listener: (req: { destroy(): void }, res: IncomingMessage) => void): unknown;
}

/** A WebSocket constructor compatible with `ws` (the default). */
export type WebSocketConstructor = new (url: string, options: WebSocketOptions) => WebSocketLike;
