import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

export interface RateOptions {
  /** Measured rounds; the figure is their median. */
  rounds: number;
  /** Each round (and the warm-up) repeats the pass until at least this long has passed. */
  minMs: number;
}

export interface Rate {
  /** Median over the rounds of units per second. */
  perSecond: number;
  /** Each round's units per second, in order. */
  rounds: number[];
}

/** A pass for measureRates: synchronous, or returning a promise (json-rules-engine). */
export type Pass = { sync: () => number } | { async: () => Promise<number> };

/**
 * Units per second of CPU-bound passes (each returns how many units it did):
 * for each pass a warm-up of at least `minMs` that is not counted, then
 * `rounds` rounds of at least `minMs` each, whole passes only; the median
 * round. Rounds are interleaved (round 1 of every pass, then round 2…), so that
 * a change in the machine's load during the run hits every pass alike and
 * their ratios hold.
 */
export async function measureRates(passes: readonly Pass[], options: RateOptions): Promise<Rate[]> {
  const round = async (pass: Pass) => {
    const start = performance.now();
    let units = 0;
    let elapsed: number;
    do {
      units += 'sync' in pass ? pass.sync() : await pass.async();
      elapsed = performance.now() - start;
    } while (elapsed < options.minMs);
    return (units * 1000) / elapsed;
  };
  for (const pass of passes) await round(pass);
  const rounds = passes.map((): number[] => []);
  for (let i = 0; i < options.rounds; i++) {
    for (const [index, pass] of passes.entries()) {
      globalThis.gc?.();
      rounds[index]?.push(await round(pass));
    }
  }
  return rounds.map((values) => ({ perSecond: percentile(values, 50), rounds: values }));
}
