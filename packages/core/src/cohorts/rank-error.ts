/**
 * How far a CohortSketch's ranks are from the exact ones: the tests and the
 * benchmark suite (`cohort_rank_error`) measure with it, on populations drawn
 * here from a seeded generator. docs/cohorts.md "Accuracy" reports the results.
 */
import { createSeededRandom } from '../clustering/seeded-random.js';
import { bandBoundaries, bandOfRank } from './cohort-bands.js';
import { CohortSketch } from './cohort-sketch.js';

/**
 * `uniform`: U(0, 1000). `lognormal`: e^N(3, 1.5), skewed. `zeros`: 60 % zeros,
 * the rest log-normal (ties at the bottom). `counts`: geometric event counts
 * (p = 0.15, heavy ties on every small integer). `plateau`: uniform with 25 % of
 * the population tied on one value in the middle of the range.
 */
export type PopulationKind = 'uniform' | 'lognormal' | 'zeros' | 'counts' | 'plateau';

export const POPULATION_KINDS: readonly PopulationKind[] = [
  'uniform',
  'lognormal',
  'zeros',
  'counts',
  'plateau',
];

/** `n` values of a kind; the same seed gives the same values. */
export function generatePopulation(kind: PopulationKind, n: number, seed: number): number[] {
  const random = seededRandom(seed);
  const normal = () => {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const draw: Record<PopulationKind, () => number> = {
    uniform: () => random() * 1000,
    lognormal: () => Math.exp(3 + 1.5 * normal()),
    zeros: () => (random() < 0.6 ? 0 : Math.exp(3 + 1.5 * normal())),
    counts: () => Math.floor(Math.log(1 - random()) / Math.log(0.85)),
    plateau: () => (random() < 0.25 ? 500 : random() * 1000),
  };
  return Array.from({ length: n }, draw[kind]);
}

export interface RankErrorOptions {
  /** Sketch compression (default: CohortSketch's). */
  compression?: number;
  /** Band shares, top first, for the band agreement (default 20 / 50 / 30). */
  bands?: readonly number[];
  /**
   * Times every value is replaced before the final values are in place. Each
   * round gives every profile a new value through observe(from, to), in a
   * random order of profiles. Default 0: the values are only added.
   */
  churnRounds?: number;
  /**
   * What the replaced values were: `shuffle` (default), the same population
   * dealt out again; `growth`, every profile's value grows to its final value
   * (round r of R holds (r + 1) / (R + 1) of it), so the population moves.
   */
  churn?: 'shuffle' | 'growth';
  /** Seed of the arrival order and the shuffles (default 1). */
  seed?: number;
}

export interface RankErrorReport {
  size: number;
  /** max |estimated rank − exact rank| over the values held, as a share of the size. */
  maxRankError: number;
  /** The same, averaged over profiles. */
  meanRankError: number;
  /** Share of profiles whose estimated band is not their exact band. */
  bandMismatch: number;
  /** removed / size when measured. */
  churn: number;
  /** Centroids held by the two digests. */
  centroids: number;
}

/**
 * Feeds `values` (one per profile, NaN and ±Infinity left out) into a sketch,
 * through the churn asked for, and compares every profile's estimated rank and
 * band with the exact ones from sorting (rank = share strictly below).
 */
export function measureCohortRankError(
  values: readonly number[],
  options: RankErrorOptions = {},
): RankErrorReport {
  const finite = values.filter((value) => Number.isFinite(value));
  return compareRanks(churnedSketch(finite, options), finite, options.bands ?? [20, 50, 30]);
}

/**
 * A sketch holding `values` (finite ones, one per profile) after the churn
 * `options` asks for: first every profile's round-0 value is added, then each
 * round moves every profile to its next value, the last round to `values`.
 */
export function churnedSketch(
  values: readonly number[],
  options: RankErrorOptions = {},
): CohortSketch {
  const random = seededRandom(options.seed ?? 1);
  const sketch = new CohortSketch({
    ...(options.compression === undefined ? {} : { compression: options.compression }),
    seed: options.seed ?? 1,
  });
  const rounds = Math.max(0, Math.floor(options.churnRounds ?? 0));
  const held = rounds === 0 ? values.slice() : roundValues(values, 0, rounds, options, random);
  for (const profile of shuffled(values.length, random)) {
    sketch.observe(undefined, held[profile]);
  }
  for (let round = 1; round <= rounds; round++) {
    const next = round === rounds ? values : roundValues(values, round, rounds, options, random);
    for (const profile of shuffled(values.length, random)) {
      sketch.observe(held[profile], next[profile]);
      held[profile] = next[profile] as number;
    }
  }
  return sketch;
}

/** Estimated against exact ranks and bands (shares top first) of every value held. */
export function compareRanks(
  sketch: CohortSketch,
  values: readonly number[],
  bands: readonly number[],
): RankErrorReport {
  const boundaries = bandBoundaries(bands);
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let max = 0;
  let sum = 0;
  let mismatched = 0;
  for (let start = 0; start < n;) {
    const value = sorted[start] as number;
    let end = start + 1;
    while (end < n && sorted[end] === value) end++;
    const exact = start / n;
    const estimated = sketch.rank(value);
    const error = Math.abs(estimated - exact);
    const ties = end - start;
    if (error > max) max = error;
    sum += error * ties;
    if (bandOfRank(boundaries, estimated) !== bandOfRank(boundaries, exact)) mismatched += ties;
    start = end;
  }
  return {
    size: n,
    maxRankError: max,
    meanRankError: n === 0 ? 0 : sum / n,
    bandMismatch: n === 0 ? 0 : mismatched / n,
    churn: sketch.churn,
    centroids: sketch.centroids,
  };
}

/** Every profile's value in churn round `round` of `rounds` (before the final values). */
function roundValues(
  values: readonly number[],
  round: number,
  rounds: number,
  options: RankErrorOptions,
  random: () => number,
): number[] {
  if (options.churn === 'growth') {
    const share = (round + 1) / (rounds + 1);
    return values.map((value) => value * share);
  }
  return shuffled(values.length, random).map((index) => values[index] as number);
}

/** 0..n−1 in a random order (Fisher–Yates). */
function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, index) => index);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i] as number;
    order[i] = order[j] as number;
    order[j] = swap;
  }
  return order;
}

/** The seeded generator the clustering uses (mulberry32): one implementation in core. */
export const seededRandom = createSeededRandom;
