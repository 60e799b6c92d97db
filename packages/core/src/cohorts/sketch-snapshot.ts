/**
 * The read side of a CohortSketch: the centroids of its two digests turned
 * into one non-decreasing, piecewise-linear estimate of how many values lie
 * below x, which ranks and quantiles are read from until the next rebuild.
 */
import type { Centroid } from 'tdigest';

/**
 * Centroids holding at most this share of a digest's weight are read as points
 * (an error of at most half their weight), so that a small centroid next to a
 * full one does not squeeze the full one's spread into the gap between them.
 */
const SMALL_SHARE = 0.0003;

/**
 * At knot i the count strictly below is `lo[i]` and just above it is `hi[i]`
 * (they differ at a tie); between knots the count is linear from hi[i] to
 * lo[i + 1]. Non-decreasing, within [0, total].
 */
export interface Snapshot {
  xs: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  /** The population size the counts are of (added − removed). */
  total: number;
}

/**
 * The estimate of added − removed from the two digests' centroids (ascending
 * by mean, as TDigest.toArray returns them); undefined when `size` is 0.
 */
export function buildSnapshot(
  added: Centroid[],
  removed: Centroid[],
  size: number,
  compression: number,
): Snapshot | undefined {
  if (size <= 0) return undefined;
  const { addedPoints, removedPoints } = markPoints(added, removed, compression);
  return mergeKnots(digestKnots(added, addedPoints), digestKnots(removed, removedPoints), size);
}

/** Values strictly below x (or at or below it); 0 below every knot. */
export function countBelow(snapshot: Snapshot, x: number, atOrBelow: boolean): number {
  const { xs, lo, hi } = snapshot;
  const i = firstAbove(xs, x) - 1; // the last knot at or below x
  if (i < 0) return 0;
  if (xs[i] === x) return atOrBelow ? (hi[i] as number) : (lo[i] as number);
  if (i === xs.length - 1) return hi[i] as number;
  const x0 = xs[i] as number;
  const from = hi[i] as number;
  return from + ((x - x0) / ((xs[i + 1] as number) - x0)) * ((lo[i + 1] as number) - from);
}

/**
 * The smallest value whose count range [strictly below, at or below] reaches
 * `count`, interpolated on the slopes between knots.
 */
export function valueAtCount(snapshot: Snapshot, count: number): number {
  const { xs, lo, hi } = snapshot;
  const i = firstAtLeast(hi, count);
  if (i >= xs.length) return xs[xs.length - 1] as number;
  if (i === 0 || (lo[i] as number) < count) return xs[i] as number;
  // The count is crossed on the slope between knot i − 1 and knot i.
  const from = hi[i - 1] as number;
  const x0 = xs[i - 1] as number;
  return x0 + ((count - from) / ((lo[i] as number) - from)) * ((xs[i] as number) - x0);
}

interface Knots {
  xs: Float64Array;
  lo: Float64Array;
  hi: Float64Array;
  total: number;
}

/**
 * Which centroids are points (all their weight at the mean): a small one (see
 * SMALL_SHARE; a single value is exact), or one holding more than the digest
 * lets values that differ merge into at its rank, 4·N·q(1−q) / compression:
 * the package adds exact repeats of a centroid's mean without that limit, so
 * a tie grows past it. Every removed value was added before, so a point in
 * either digest makes the centroid at the same mean in the other one a point
 * too (the two then agree on a tie).
 */
function markPoints(added: Centroid[], removed: Centroid[], compression: number) {
  const addedPoints = ownPoints(added, compression);
  const removedPoints = ownPoints(removed, compression);
  for (let a = 0, r = 0; a < added.length && r < removed.length;) {
    const ax = (added[a] as Centroid).mean;
    const rx = (removed[r] as Centroid).mean;
    if (ax < rx) a++;
    else if (rx < ax) r++;
    else {
      const point = (addedPoints[a] as number) | (removedPoints[r] as number);
      addedPoints[a++] = point;
      removedPoints[r++] = point;
    }
  }
  return { addedPoints, removedPoints };
}

function ownPoints(centroids: Centroid[], compression: number): Uint8Array {
  const points = new Uint8Array(centroids.length);
  let total = 0;
  for (const c of centroids) total += c.n;
  const small = Math.max(1, SMALL_SHARE * total);
  let before = 0;
  for (let i = 0; i < centroids.length; i++) {
    const n = (centroids[i] as Centroid).n;
    const q = (before + n / 2) / total;
    const capacity = (4 * total * q * (1 - q)) / compression;
    if (n <= small || n > capacity) points[i] = 1;
    before += n;
  }
  return points;
}

/**
 * One digest's count-below function, as the sum of two parts: the points,
 * each a jump by its weight at its mean; and the other centroids, whose weight
 * is spread linearly between their means (half of each on either side; the
 * outer halves of the first and last jump at their means). Interpolating only
 * between spread centroids keeps a lone value that landed beside a full centroid
 * from squeezing that centroid's half into the gap between them.
 */
function digestKnots(centroids: Centroid[], points: Uint8Array): Knots {
  const count = centroids.length;
  const xs = new Float64Array(count);
  const lo = new Float64Array(count);
  const hi = new Float64Array(count);
  // mid[i]: spread weight below the mean of spread centroid i, plus half its own.
  const mid = new Float64Array(count);
  let spread = 0;
  for (let i = 0; i < count; i++) {
    const n = (centroids[i] as Centroid).n;
    if (points[i] === 1) continue;
    mid[i] = spread + n / 2;
    spread += n;
  }
  let pointsBelow = 0;
  let previous = -1; // the last spread centroid before i
  let next = nextSpread(points, 0);
  for (let i = 0; i < count; i++) {
    const { mean, n } = centroids[i] as Centroid;
    xs[i] = mean;
    if (points[i] === 1) {
      const part = spreadAt(centroids, mid, previous, next, mean, spread);
      lo[i] = pointsBelow + part;
      hi[i] = pointsBelow + n + part;
      pointsBelow += n;
    } else {
      next = nextSpread(points, i + 1);
      const part = mid[i] as number;
      lo[i] = pointsBelow + part;
      hi[i] = pointsBelow + (next === -1 ? spread : part);
      previous = i;
    }
  }
  return { xs, lo, hi, total: pointsBelow + spread };
}

function nextSpread(points: Uint8Array, from: number): number {
  for (let i = from; i < points.length; i++) if (points[i] === 0) return i;
  return -1;
}

/** The spread part at x, which lies between spread centroids `previous` and `next` (−1: none). */
function spreadAt(
  centroids: Centroid[],
  mid: Float64Array,
  previous: number,
  next: number,
  x: number,
  spread: number,
): number {
  if (previous === -1) return 0;
  if (next === -1) return spread;
  const x0 = (centroids[previous] as Centroid).mean;
  const x1 = (centroids[next] as Centroid).mean;
  const from = mid[previous] as number;
  return from + ((x - x0) / (x1 - x0)) * ((mid[next] as number) - from);
}

/** Count below `x` by one digest, given the index of its first knot ≥ x (x not a knot). */
function between(knots: Knots, next: number, x: number): number {
  if (next === 0) return 0;
  if (next >= knots.xs.length) return knots.total;
  const x0 = knots.xs[next - 1] as number;
  const from = knots.hi[next - 1] as number;
  const to = knots.lo[next] as number;
  return from + ((x - x0) / ((knots.xs[next] as number) - x0)) * (to - from);
}

/** added − removed at the union of their knots, made non-decreasing and clamped to [0, size]. */
function mergeKnots(added: Knots, removed: Knots, size: number): Snapshot {
  const capacity = added.xs.length + removed.xs.length;
  const xs = new Float64Array(capacity);
  const lo = new Float64Array(capacity);
  const hi = new Float64Array(capacity);
  let a = 0;
  let r = 0;
  let k = 0;
  let floor = 0;
  while (a < added.xs.length || r < removed.xs.length) {
    const ax = a < added.xs.length ? (added.xs[a] as number) : Infinity;
    const rx = r < removed.xs.length ? (removed.xs[r] as number) : Infinity;
    const x = Math.min(ax, rx);
    let aLo: number;
    let aHi: number;
    let rLo: number;
    let rHi: number;
    if (ax === x) {
      aLo = added.lo[a] as number;
      aHi = added.hi[a] as number;
      a++;
    } else aLo = aHi = between(added, a, x);
    if (rx === x) {
      rLo = removed.lo[r] as number;
      rHi = removed.hi[r] as number;
      r++;
    } else rLo = rHi = between(removed, r, x);
    // Churn can make the difference dip; a rank must never fall as the value grows.
    floor = Math.min(size, Math.max(floor, aLo - rLo));
    lo[k] = floor;
    floor = Math.min(size, Math.max(floor, aHi - rHi));
    hi[k] = floor;
    xs[k] = x;
    k++;
  }
  if (k > 0) hi[k - 1] = size;
  return { xs: xs.subarray(0, k), lo: lo.subarray(0, k), hi: hi.subarray(0, k), total: size };
}

/** Index of the first element > x (binary search over ascending values). */
function firstAbove(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] as number) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Index of the first element ≥ x (binary search over non-decreasing values). */
function firstAtLeast(values: Float64Array, x: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((values[mid] as number) < x) low = mid + 1;
    else high = mid;
  }
  return low;
}
