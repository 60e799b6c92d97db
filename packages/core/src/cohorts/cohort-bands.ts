/**
 * Band arithmetic of a cohort: bands are listed from the top rank down with
 * their share in percent (top 20 / middle 50 / bottom 30). A profile's rank is
 * the share of the population strictly below its value; band i holds ranks from
 * boundary i (inclusive) up to boundary i − 1. Pure functions.
 */

/** What the helpers read of a sketch (CohortSketch, or an exact ranking in tests). */
export interface RankSketch {
  readonly size: number;
  rank(value: number): number;
  rankAtOrBelow(value: number): number;
  quantile(q: number): number | undefined;
}

/** Float slack when a rank is compared with a boundary (ranks are k / N, N ≤ 10⁸). */
const EPSILON = 1e-9;

/**
 * The lowest rank of each band but the last, top first: [20, 50, 30] gives
 * [0.8, 0.3]. Shares are normalised by their sum. Throws a RangeError for no
 * band or a share that is not a positive finite number (config is checked
 * before it gets here).
 */
export function bandBoundaries(percents: readonly number[]): number[] {
  if (percents.length === 0) throw new RangeError('a cohort needs at least one band');
  let total = 0;
  for (const percent of percents) {
    if (!Number.isFinite(percent) || percent <= 0) {
      throw new RangeError(`band share must be a positive number, got ${percent}`);
    }
    total += percent;
  }
  const boundaries: number[] = [];
  let above = 0;
  for (let i = 0; i < percents.length - 1; i++) {
    above += percents[i] as number;
    // (total − above) / total keeps round shares exact: 1 − 0.7 would not be 0.3.
    boundaries.push((total - above) / total);
  }
  return boundaries;
}

/**
 * The band (0 = top) of a rank. Equal values have equal ranks, so a tie always
 * lands in one band: the band of its lowest member, which can leave the band
 * above it short of its share.
 */
export function bandOfRank(boundaries: readonly number[], rank: number): number {
  for (let i = 0; i < boundaries.length; i++) {
    if (rank >= (boundaries[i] as number) - EPSILON) return i;
  }
  return boundaries.length;
}

/** The metric values at the band boundaries, top first; empty while the sketch is empty. */
export function thresholds(sketch: RankSketch, boundaries: readonly number[]): number[] {
  if (sketch.size === 0) return [];
  const values: number[] = [];
  for (const boundary of boundaries) {
    const value = sketch.quantile(boundary);
    if (value !== undefined) values.push(value);
  }
  return values;
}

/**
 * How far, in rank, the population has moved under the thresholds recorded at
 * the last re-band: the largest distance between a boundary and the rank range
 * of its old threshold ([rank, rankAtOrBelow], a single rank unless the threshold
 * is a tied value). 0 when nothing was recorded or the sketch is empty. Members
 * keep the bands they were given until a re-band pass, so the host re-bands when
 * this exceeds its tolerance.
 */
export function drift(
  sketch: RankSketch,
  thresholdsAtLastReband: readonly number[],
  boundaries: readonly number[],
): number {
  if (sketch.size === 0) return 0;
  let largest = 0;
  const count = Math.min(thresholdsAtLastReband.length, boundaries.length);
  for (let i = 0; i < count; i++) {
    const threshold = thresholdsAtLastReband[i] as number;
    const boundary = boundaries[i] as number;
    const below = sketch.rank(threshold);
    const atOrBelow = sketch.rankAtOrBelow(threshold);
    const distance = boundary < below ? below - boundary : Math.max(0, boundary - atOrBelow);
    if (distance > largest) largest = distance;
  }
  return largest;
}
