/**
 * Welch's t-test of a treatment mean against the control mean (fixed horizon), from
 * (n, sum, sumSq) aggregates. Unlike Student's test it does not assume equal variances:
 *
 *   se² = v_C/n_C + v_T/n_T,   t = (mean_T − mean_C)/se,
 *   df = se⁴ / ((v_C/n_C)²/(n_C − 1) + (v_T/n_T)²/(n_T − 1))   (Welch–Satterthwaite),
 *
 * two-sided p-value 2·P(T_df ≤ −|t|). The interval of the absolute lift is
 * estimate ± t_{1−α/2, df}·se; the relative lift uses the same multiplier (lift.ts).
 * Each variant needs at least 2 users. When both variances are 0 the test is degenerate:
 * equal means give t = 0 and p = 1, different means are reported as 'zero-variance'.
 */
import type { ContinuousAggregate, Moments } from './aggregates.js';
import { summarizeContinuous } from './aggregates.js';
import { studentTQuantile, studentTTwoSidedP } from './distributions.js';
import type { AbsoluteLift, RelativeLift } from './lift.js';
import { absoluteLift, differenceVariance, relativeLift } from './lift.js';
import type { ComparisonFailure } from './test-result.js';
import { comparisonFailure } from './test-result.js';

export interface WelchTestOptions {
  /** Two-sided significance level of the intervals (default 0.05). */
  alpha?: number;
}

export interface WelchTestResult {
  ok: true;
  method: 'welch-t';
  control: Moments;
  treatment: Moments;
  statistic: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  pValue: number;
  absoluteLift: AbsoluteLift;
  relativeLift: RelativeLift;
}

/** Welch–Satterthwaite degrees of freedom; null when both variances are 0. */
export function welchDegreesOfFreedom(control: Moments, treatment: Moments): number | null {
  const a = control.variance / control.n;
  const b = treatment.variance / treatment.n;
  const total = a + b;
  if (!(total > 0) || !Number.isFinite(total)) return null;
  // Scaled by a + b so that squaring huge variances cannot overflow.
  const ra = a / total;
  const rb = b / total;
  return 1 / ((ra * ra) / (control.n - 1) + (rb * rb) / (treatment.n - 1));
}

export function welchTTest(
  control: ContinuousAggregate,
  treatment: ContinuousAggregate,
  options: WelchTestOptions = {},
): WelchTestResult | ComparisonFailure {
  const c = summarizeContinuous(control);
  const t = summarizeContinuous(treatment);
  if (!c.ok || !t.ok || !c.moments || !t.moments) return comparisonFailure(c, t);
  if (c.moments.n < 2 || t.moments.n < 2) return { ok: false, reason: 'too-few-users' };
  if (!Number.isFinite(differenceVariance(c.moments, t.moments))) {
    return { ok: false, reason: 'numerically-unstable' };
  }
  const alpha = options.alpha ?? 0.05;
  const difference = t.moments.mean - c.moments.mean;
  const variance = differenceVariance(c.moments, t.moments);
  const df = welchDegreesOfFreedom(c.moments, t.moments);
  let statistic = 0;
  let pValue = 1;
  let multiplier = 0;
  if (df !== null && variance > 0) {
    statistic = difference / Math.sqrt(variance);
    pValue = studentTTwoSidedP(statistic, df);
    multiplier = studentTQuantile(1 - alpha / 2, df);
  } else if (difference !== 0) {
    return { ok: false, reason: 'zero-variance' };
  }
  return {
    ok: true,
    method: 'welch-t',
    control: c.moments,
    treatment: t.moments,
    statistic,
    df: df ?? control.n + treatment.n - 2,
    pValue,
    absoluteLift: absoluteLift(c.moments, t.moments, multiplier),
    relativeLift: relativeLift(c.moments, t.moments, multiplier),
  };
}
