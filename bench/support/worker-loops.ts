import { percentile, type Round } from './http-load.js';

/**
 * Runs `worker` in `n` concurrent loops for `seconds`; returns cycles/s and per-cycle latency percentiles. A failed
 * cycle counts as an error, and the first one is printed so a broken round says why.
 */
export async function workerLoops(n: number, seconds: number, worker: (i: number) => Promise<void>): Promise<Round> {
  const latencies: number[] = [];
  let errors = 0;
  const stop = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      while (performance.now() < stop) {
        const t0 = performance.now();
        try {
          await worker(i);
          latencies.push(performance.now() - t0);
        } catch (err) {
          if (errors++ === 0) console.log(`first error: ${(err as Error).message}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}
