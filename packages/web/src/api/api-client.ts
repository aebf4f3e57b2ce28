/** A refusal from the node: its problem+json `code` and `detail`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** Calls the node's API with the admin token; JSON in and out, problem+json refusals thrown as ApiError. */
export type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Builds the API caller for a token; `onUnauthenticated` runs when the node no longer accepts it. */
export function createApi(token: string, onUnauthenticated: () => void): Api {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: string; detail?: string };
      if (res.status === 401) onUnauthenticated();
      throw new ApiError(
        res.status,
        p.code ?? `HTTP_${res.status}`,
        p.detail ?? (text.slice(0, 200) || res.statusText),
      );
    }
    return parsed as T;
  };
}

/** Checks a token before it is kept: it must be an admin token the node knows. Returns a reason when it is not. */
export async function checkAdminToken(token: string): Promise<string | null> {
  try {
    await createApi(token, () => {})('GET', '/v1/license');
    return null;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return 'The node does not know this token, or it was revoked.';
    if (err instanceof ApiError && err.status === 403)
      return 'This is an application token; the dashboard needs an admin token.';
    return `The node did not answer: ${err instanceof Error ? err.message : String(err)}`;
  }
}
