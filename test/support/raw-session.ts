import WebSocket from 'ws';

/** A bare SDK session over `ws`: send any JSON, read answers by id, see pushes and the close code. */
export interface RawSession {
  /** Sends one message (any JSON) and resolves with the answer carrying `id` (default: the message's own id). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  request(message: unknown, id?: number): Promise<any>;
  /** Resolves with the close code once the node closes the socket. */
  closed: Promise<number>;
  close(): void;
}

/** Opens a session at `<url>/v1/session` with a bearer token. */
export async function openRawSession(url: string, token: string, scheme = 'Bearer'): Promise<RawSession> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/session`, {
    headers: { authorization: `${scheme} ${token}` },
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are untyped JSON
  const waiting = new Map<number, (answer: any) => void>();
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('message', (data) => {
    const parsed = JSON.parse(String(data));
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof m.id === 'number') waiting.get(m.id)?.(m);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    request(message, id) {
      const key = id ?? (message as { id: number }).id;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(message)}`)), 5000);
        waiting.set(key, (answer) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(answer);
        });
        socket.send(JSON.stringify(message));
      });
    },
    closed,
    close: () => socket.close(),
  };
}
