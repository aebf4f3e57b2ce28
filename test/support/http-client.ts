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
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends one request; rejects on network errors (connection refused or reset), resolves on any HTTP status. */
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
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }
}
