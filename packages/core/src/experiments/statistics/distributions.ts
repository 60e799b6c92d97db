/**
 * The distribution functions the statistics need, as a typed facade over jStat. Nothing here
 * computes a distribution by hand: each function calls jStat and only chooses the tail that
 * keeps precision (a small upper tail is taken from the symmetric lower tail, not as 1 − cdf).
 *
 * jStat's special functions are accurate to about 1e-8 relative (tested against SciPy in
 * spec/statistics/vectors.json); p-values far below 1e-16 come out as 0.
 */
import jStat from 'jstat';

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return jStat.normal.cdf(z, 0, 1);
}

/** The standard normal quantile: z with P(Z ≤ z) = p, for 0 < p < 1. */
export function normalQuantile(p: number): number {
  return jStat.normal.inv(p, 0, 1);
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|). */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, 2 * normalCdf(-Math.abs(z)));
}

/** Two-sided p-value of a Student t statistic with `df` degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  return Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df));
}

/** The Student t quantile: t with P(T ≤ t) = p. */
export function studentTQuantile(p: number, df: number): number {
  return jStat.studentt.inv(p, df);
}

/** Upper tail P(X ≥ x) of a chi-squared variable with `df` degrees of freedom. */
export function chiSquaredSurvival(x: number, df: number): number {
  if (!(x > 0)) return 1;
  // With one degree of freedom X = Z², so the normal tail keeps small p-values precise.
  if (df === 1) return normalTwoSidedP(Math.sqrt(x));
  return Math.max(0, 1 - jStat.chisquare.cdf(x, df));
}

/** ln B(a, b), the logarithm of the beta function. */
export function logBeta(a: number, b: number): number {
  return jStat.betaln(a, b);
}
