import fc from 'fast-check';

/** Cases per route and per parser property; CI prints the totals. Override with LICENSOR_FUZZ_RUNS. */
export const RUNS = Number(process.env.LICENSOR_FUZZ_RUNS ?? 100);

/** Printable ASCII: what a real HTTP client can put in a header value. */
export const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
