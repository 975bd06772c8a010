import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what survived its last full collection before it
 * starts the next one, as a percentage: 100 is twice the live heap.
 *
 * Left to itself V8 picks that factor after each full collection from the collector's speed and the
 * recent rate of allocation into the old generation, between 1.1× and 4×. A server running jobs
 * allocates in bursts (a wave of 1,000 queued matrix legs finishing 13 a second), and a collection
 * slowed by a busy CPU reads as a slow collector: both send the factor to 4×, and the heap is let
 * grow to 4× its ≈ 40 MiB live set before it is collected, which took the server's peak from
 * 176 to 279 MiB (BENCHMARKS.md, "The server as it grows"). Capped at 2×, the peak stays near
 * the live set whatever the rate; a full collection then runs at least every 40 MiB or so of
 * promoted objects, less often than the 1.1–1.3× V8 picks itself when jobs flow slowly.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Fixes V8's heap growing factor for this process (gantry serve) at HEAP_GROWING_PERCENT, unless
 * node was started with --heap-growing-percent (node's own option wins). The flag is read at each
 * full collection, so setting it now, after V8 has started, takes effect from the next one.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
