import { performance } from 'node:perf_hooks';

/** Source of time for the node; tests inject a fake. */
export interface Clock {
  /** Wall-clock time, epoch milliseconds: what the machine's clock says (a licensee can set it). */
  now(): number;
  /** Milliseconds on a clock that only moves forward while the process runs; absent on clocks that have none. */
  monotonic?(): number;
}

/** The wall clock, with the process's monotonic clock beside it. */
export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };
