// Time bounds for "never hangs, no blow-up" properties that a loaded 2-core CI machine cannot
// trip. A fixed per-case limit of a few hundred ms fails on a GC pause or a starved worker; a
// bound scaled from the same code's time on valid input, measured in the same run under the
// same load, moves with the machine, and the floor keeps it far above scheduler noise. Both
// still sit far below what a hang or an exponential blow-up costs (the test timeout catches a
// true hang regardless).
import { performance } from 'node:perf_hooks';

/** Median wall time in ms of `fn`, after one warm-up call. */
export function medianMs(fn: () => unknown, runs = 7): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Per-case limit in ms: `factor` times the baseline (the median time of `baseline`, a run of the
 * same code on valid input of the largest size the property generates), and never below
 * `floorMs`.
 */
export function caseBudgetMs(baseline: () => unknown, floorMs: number, factor = 50): number {
  return Math.max(floorMs, factor * medianMs(baseline));
}
