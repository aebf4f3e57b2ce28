import { request as httpsRequest } from 'node:https';
import { connectionError, toLicensingError } from './errors/to-licensing-error.js';

/** One HTTP call to the node. */
export interface HttpRequestInit {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  token: string;
  body?: unknown;
  timeoutMs: number;
  ca?: string | Buffer;
}

/** A successful answer: status and parsed JSON body (undefined when empty). */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** Calls the node over HTTP; 2xx resolves, problem+json rejects with the mapped LicensingError, network failures with ConnectionError. */
export async function httpRequest(init: HttpRequestInit): Promise<HttpAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${init.token}`, accept: 'application/json' };
  const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  // fetch cannot take a CA without undici's dispatcher (a dependency), so https with a private CA goes through node:https.
  const raw =
    init.ca !== undefined && init.url.startsWith('https:')
      ? await viaNodeHttps(init, headers, payload)
      : await viaFetch(init, headers, payload);
  let body: unknown;
  if (raw.text !== '') {
    try {
      body = JSON.parse(raw.text);
    } catch {
      body = undefined;
    }
  }
  if (raw.status >= 200 && raw.status < 300) return { status: raw.status, body };
  const problem =
    body !== null && typeof body === 'object' ? body : { detail: raw.text.slice(0, 200) || `HTTP ${raw.status}` };
  throw toLicensingError(problem, raw.status);
}

async function viaFetch(
  init: HttpRequestInit,
  headers: Record<string, string>,
  payload: string | undefined,
): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(init.url, {
      method: init.method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw timedOut
      ? connectionError(`${init.method} ${init.url} timed out after ${init.timeoutMs} ms`, err, 'REQUEST_TIMEOUT')
      : connectionError(`${init.method} ${init.url} failed: ${describe(err)}`, err);
  }
}

function viaNodeHttps(
  init: HttpRequestInit,
  headers: Record<string, string>,
  payload: string | undefined,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      init.url,
      { method: init.method, headers, ca: init.ca, timeout: init.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(connectionError(`${init.method} ${init.url} failed: ${describe(err)}`, err)));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      reject(
        connectionError(
          `${init.method} ${init.url} timed out after ${init.timeoutMs} ms`,
          undefined,
          'REQUEST_TIMEOUT',
        ),
      );
    });
    req.on('error', (err) => reject(connectionError(`${init.method} ${init.url} failed: ${describe(err)}`, err)));
    req.end(payload);
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
