import type { FeedEvent } from './types.js';

/** The state of the live connection, for the header's indicator. */
export type StreamState = 'connecting' | 'live' | 'offline';

/**
 * Reads `GET /v1/events/stream` with fetch (so the token travels in the Authorization header, never in a URL) and
 * reconnects with Last-Event-ID after a drop, so no committed event is missed. Returns the stop function.
 */
export function openEventStream(
  token: string,
  onEvent: (e: FeedEvent) => void,
  onState: (s: StreamState) => void,
  onUnauthenticated: () => void,
): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;
  let retryMs = 1000;

  const run = async () => {
    while (!abort.signal.aborted) {
      onState('connecting');
      try {
        const res = await fetch('/v1/events/stream', {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            ...(lastId ? { 'last-event-id': lastId } : {}),
          },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (res.status === 401) return onUnauthenticated();
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        retryMs = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut = buf.indexOf('\n\n');
          while (cut >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            cut = buf.indexOf('\n\n');
            let id: string | null = null;
            let kind = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) kind = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (kind === 'error') return onUnauthenticated();
            if (!data) continue;
            if (id) lastId = id;
            onEvent(JSON.parse(data) as FeedEvent);
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('offline');
      await new Promise((r) => setTimeout(r, retryMs));
      retryMs = Math.min(15_000, retryMs * 2);
    }
  };
  void run();
  return () => abort.abort();
}
