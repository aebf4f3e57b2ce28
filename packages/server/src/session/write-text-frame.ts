import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** The parts of a `ws` socket this writer relies on (`_socket` is the TCP socket `ws` itself writes to). */
interface WsInternals {
  _socket?: Socket | null;
  extensions: string;
}

/**
 * Sends `text` as one final, unmasked text frame in a single buffer and a single `write` on the TCP socket. `ws`'s own
 * `send` allocates the payload and the header apart and writes them corked (a `writev` through the stream's buffered
 * path); with a message per answer per session that was a measurable share of the node's CPU. Frames stay whole, so
 * they cannot interleave with the pings, pongs and close frames `ws` writes to the same socket. With an extension
 * negotiated (the node refuses permessage-deflate, but should one ever be accepted) `ws` frames the message.
 */
export function writeTextFrame(ws: WebSocket, text: string): void {
  const internals = ws as unknown as WsInternals;
  const raw = internals._socket;
  if (!raw || !raw.writable || internals.extensions !== '') {
    ws.send(text);
    return;
  }
  const length = Buffer.byteLength(text);
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81; // FIN + text opcode
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(text, head, 'utf8');
  raw.write(frame);
}
