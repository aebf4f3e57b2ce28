/** Reconnect delay for the n-th consecutive failure (0-based): exponential from `baseMs`, capped, with ±20 % jitter so
 * many clients dropped by one node restart do not reconnect in lockstep. */
export function backoffDelay(attempt: number, baseMs = 100, maxMs = 5_000): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}
