import type { Logger } from '../log/logger.js';

/** Runs `work` every `intervalMs`, skipping a tick while the previous run is still going; failures are logged. */
function everyInterval(intervalMs: number, work: () => Promise<unknown> | null, what: string, log: Logger) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    const run = work();
    if (!run) return;
    running = true;
    run
      .catch((err) => log.error({ err }, what))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return timer;
}

/** The periodic work of a node: the reaper, rental renewals, webhook retries. */
export interface NodeTimerWork {
  reap(): Promise<unknown>;
  /** Rental renewals; null when this node cannot issue (nothing to renew). */
  renew(): Promise<unknown> | null;
  pumpWebhooks(): Promise<unknown>;
}

/** Starts the node's timers; returns the function that stops them. */
export function startNodeTimers(intervalMs: number, work: NodeTimerWork, log: Logger): () => void {
  const timers = [
    everyInterval(intervalMs, () => work.reap(), 'reaper failed', log),
    // Rental renewals: each rental moves in its own transaction, so an overlapping run (or another process) is harmless.
    everyInterval(intervalMs, () => work.renew(), 'rental renewal failed', log),
  ];
  // Webhooks: committed events wake the dispatcher at once; this timer runs retries that fell due and picks up
  // events other processes committed to the same store (and whatever was left undelivered before a restart).
  const webhookTimer = setInterval(() => {
    work.pumpWebhooks().catch((err) => log.error({ err }, 'webhook dispatch failed'));
  }, intervalMs);
  webhookTimer.unref();
  timers.push(webhookTimer);
  return () => {
    for (const t of timers) clearInterval(t);
  };
}
