/**
 * Per-variant aggregates, the only input the statistics take. The engine keeps them
 * incrementally (one addition per event) and passes a snapshot:
 *
 * - proportion metrics (did the user convert?): `n` users, `x` of them converted;
 * - continuous metrics (a value per user, e.g. revenue): `n` users, `sum` of their values and
 *   `sumSq`, the sum of the squared values.
 *
 * `summarize*` turn an aggregate into moments (mean and per-user variance), or say why they
 * cannot: the statistics never throw on data.
 */

export interface ProportionAggregate {
  /** Users exposed to the variant. */
  n: number;
  /** Users among them who converted (0 ≤ x ≤ n). */
  x: number;
}

export interface ContinuousAggregate {
  /** Users exposed to the variant. */
  n: number;
  /** Sum of the metric over those users. */
  sum: number;
  /** Sum of the squared metric over those users. */
  sumSq: number;
}

/** Why an aggregate was rejected. */
export type AggregateIssue =
  | 'not-a-number'
  | 'negative-count'
  | 'not-an-integer'
  | 'conversions-exceed-users'
  | 'inconsistent-sum-of-squares';

/** Mean and per-user variance of one variant; the variance of the mean is variance / n. */
export interface Moments {
  n: number;
  mean: number;
  /** Per-user variance: p(1 − p) for proportions, the sample variance (n − 1) otherwise. */
  variance: number;
}

export type SummaryResult =
  { ok: true; moments: Moments | null } | { ok: false; issue: AggregateIssue };

function isCount(value: unknown): AggregateIssue | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'not-a-number';
  if (value < 0) return 'negative-count';
  if (!Number.isInteger(value)) return 'not-an-integer';
  return null;
}

/** Checks a proportion aggregate; `moments` is null when n = 0. */
export function summarizeProportion(aggregate: ProportionAggregate): SummaryResult {
  const issue = isCount(aggregate?.n) ?? isCount(aggregate?.x);
  if (issue) return { ok: false, issue };
  const { n, x } = aggregate;
  if (x > n) return { ok: false, issue: 'conversions-exceed-users' };
  if (n === 0) return { ok: true, moments: null };
  const p = x / n;
  return { ok: true, moments: { n, mean: p, variance: p * (1 - p) } };
}

/**
 * Checks a continuous aggregate; `moments` is null when n = 0. The variance is
 * (sumSq − sum²/n) / (n − 1), 0 for a single user; a slightly negative value left by
 * floating-point cancellation is clamped to 0, a clearly negative one is an issue
 * (no real data can produce it).
 */
export function summarizeContinuous(aggregate: ContinuousAggregate): SummaryResult {
  const issue = isCount(aggregate?.n);
  if (issue) return { ok: false, issue };
  const { n, sum, sumSq } = aggregate;
  if (typeof sum !== 'number' || !Number.isFinite(sum)) return { ok: false, issue: 'not-a-number' };
  if (typeof sumSq !== 'number' || !Number.isFinite(sumSq)) {
    return { ok: false, issue: 'not-a-number' };
  }
  if (n === 0) {
    return sum === 0 && sumSq === 0
      ? { ok: true, moments: null }
      : { ok: false, issue: 'inconsistent-sum-of-squares' };
  }
  const mean = sum / n;
  const centered = sumSq - sum * mean;
  const tolerance = 1e-9 * Math.max(Math.abs(sumSq), 1);
  if (sumSq < 0 || centered < -tolerance) {
    return { ok: false, issue: 'inconsistent-sum-of-squares' };
  }
  const variance = n > 1 ? Math.max(0, centered) / (n - 1) : 0;
  return { ok: true, moments: { n, mean, variance } };
}
