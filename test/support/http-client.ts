import http from 'node:http';

/** An HTTP JSON answer. */
export interface JsonResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
  body: any;
  headers: http.IncomingHttpHeaders;
}

/**
 * A keep-alive JSON client over a bounded socket pool (node:http; the undici package is not a dependency here).
 * Used by race and crash tests that need hundreds of requests in flight over at most `maxSockets` connections.
 */
export class JsonClient {
  readonly agent: http.Agent;

  constructor(
    readonly baseUrl: string,
    readonly token: string,
    maxSockets = 100,
    /** A request without an answer after this long is given up (rejects); none by default. */
    private readonly timeoutMs: number | null = null,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /**
   * Sends one request; rejects on network errors (connection refused or reset) and after `timeoutMs` without an
   * answer, resolves on any HTTP status.
   */
  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
        },
      );
      const timeoutMs = this.timeoutMs;
      if (timeoutMs !== null) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** Sends a request the way fetch does (test-node swaps in one that trusts a node's own TLS certificate). */
export type Send = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Response>;

/**
 * One JSON request with a bearer token over fetch (a new connection each time, so a node stops at once afterwards): the
 * status, the parsed body (the raw text when it is not JSON) and the headers.
 */
export async function fetchJson(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  send: Send = fetch,
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON answers field by field
): Promise<{ status: number; body: any; headers: Headers }> {
  const allHeaders = {
    authorization: `Bearer ${token}`,
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...headers,
  };
  const payload = body !== undefined ? JSON.stringify(body) : undefined;
  const res = await send(url + path, {
    method,
    headers: allHeaders,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}
