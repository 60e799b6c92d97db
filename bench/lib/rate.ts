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

/**
 * Units per second of a CPU-bound pass (it returns how many units it did): a
 * warm-up of at least `minMs` that is not counted, then `rounds` rounds of at
 * least `minMs` each, whole passes only; the median round.
 */
export function measureRate(pass: () => number, options: RateOptions): Rate {
  const round = () => {
    const start = performance.now();
    let units = 0;
    let elapsed: number;
    do {
      units += pass();
      elapsed = performance.now() - start;
    } while (elapsed < options.minMs);
    return (units * 1000) / elapsed;
  };
  round();
  const rounds: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    globalThis.gc?.();
    rounds.push(round());
  }
  return { perSecond: percentile(rounds, 50), rounds };
}

/** measureRate for a pass that returns a promise (json-rules-engine). */
export async function measureRateAsync(
  pass: () => Promise<number>,
  options: RateOptions,
): Promise<Rate> {
  const round = async () => {
    const start = performance.now();
    let units = 0;
    let elapsed: number;
    do {
      units += await pass();
      elapsed = performance.now() - start;
    } while (elapsed < options.minMs);
    return (units * 1000) / elapsed;
  };
  await round();
  const rounds: number[] = [];
  for (let i = 0; i < options.rounds; i++) {
    globalThis.gc?.();
    rounds.push(await round());
  }
  return { perSecond: percentile(rounds, 50), rounds };
}
