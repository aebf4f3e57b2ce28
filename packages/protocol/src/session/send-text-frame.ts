import { randomFillSync } from 'node:crypto';

/** What the writer needs of a `ws` WebSocket: `_socket` is the TCP socket `ws` itself writes its frames to. */
export interface FrameSocket {
  readonly readyState: number;
  send(text: string, cb?: (err?: Error) => void): void;
  _socket?: { writable: boolean; write(chunk: Uint8Array): boolean } | null;
  extensions?: string;
}

/** Masking keys, drawn 2,048 at a time: a client masks every frame with a fresh, unpredictable key (RFC 6455 5.3). */
const maskPool = Buffer.alloc(8192);
let maskAt = maskPool.length;
const ignore = () => {};

/**
 * Sends `text` as one final WebSocket text frame, built in one buffer and written with one `write` on the TCP socket;
 * `masked` for a client's frames. `ws`'s own `send` allocates header and payload apart and writes them corked (a
 * `writev` through the stream's buffered path): with a message per operation per session that was a measurable share
 * of the CPU (bench/README.md, "The 64-sessions shape"). Frames stay whole, so they cannot interleave with the pings,
 * pongs and close frames `ws` writes to the same socket. `ws` frames the message itself when the socket is not open,
 * is not `ws`'s (no `_socket`), or has an extension negotiated (the node refuses permessage-deflate).
 */
export function sendTextFrame(ws: FrameSocket, text: string, masked: boolean): void {
  const raw = ws._socket;
  if (!raw || !raw.writable || ws.readyState !== 1 || ws.extensions !== '') {
    ws.send(text, ignore);
    return;
  }
  const length = Buffer.byteLength(text);
  const lengthBytes = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const maskAt0 = 2 + lengthBytes;
  const payloadAt = masked ? maskAt0 + 4 : maskAt0;
  const frame = Buffer.allocUnsafe(payloadAt + length);
  frame[0] = 0x81; // FIN + text
  const maskBit = masked ? 0x80 : 0;
  if (lengthBytes === 0) frame[1] = maskBit | length;
  else if (lengthBytes === 2) {
    frame[1] = maskBit | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = maskBit | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, payloadAt, 'utf8');
  if (masked) {
    if (maskAt === maskPool.length) {
      randomFillSync(maskPool);
      maskAt = 0;
    }
    maskPool.copy(frame, maskAt0, maskAt, maskAt + 4);
    maskAt += 4;
    for (let i = payloadAt, end = payloadAt + length; i < end; i++)
      frame[i] = (frame[i] as number) ^ (frame[maskAt0 + ((i - payloadAt) & 3)] as number);
  }
  raw.write(frame);
}
