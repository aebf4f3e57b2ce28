import { setTimeout as sleep } from 'node:timers/promises';

/** How long `until` polls, how often, and whether a probe that throws is retried (a process that is restarting). */
export interface UntilOptions {
  ms?: number;
  pollMs?: number;
  retryErrors?: boolean;
}

/** Polls `probe` until `ok` holds for its value and returns that value; fails naming `what` and the last value. */
export async function until<T>(
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
  options: UntilOptions = {},
): Promise<T> {
  const { ms = 8_000, pollMs = 25, retryErrors = false } = options;
  const end = Date.now() + ms;
  for (;;) {
    const v = retryErrors ? await probe().catch((err: Error) => ({ error: err.message }) as T) : await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(pollMs);
  }
}
