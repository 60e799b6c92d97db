/**
 * Two-proportion z-test of a treatment against the control (fixed horizon).
 *
 * The test uses the pooled standard error, which is right under the null hypothesis
 * p_C = p_T: p̄ = (x_C + x_T)/(n_C + n_T), se₀ = √(p̄(1 − p̄)(1/n_C + 1/n_T)), z = (p_T − p_C)/se₀,
 * two-sided p-value 2Φ(−|z|). z² equals Pearson's chi-squared statistic of the 2×2 table
 * (without continuity correction), so this is the same test as chiSquaredTest on two variants.
 * The confidence intervals use the unpooled (Wald) standard error; see lift.ts.
 */
import type { Moments, ProportionAggregate } from './aggregates.js';
import { summarizeProportion } from './aggregates.js';
import { normalQuantile, normalTwoSidedP } from './distributions.js';
import type { AbsoluteLift, RelativeLift } from './lift.js';
import { absoluteLift, relativeLift } from './lift.js';
import type { ComparisonFailure } from './test-result.js';
import { comparisonFailure } from './test-result.js';

export interface ProportionTestOptions {
  /** Two-sided significance level of the intervals (default 0.05). */
  alpha?: number;
}

export interface ProportionTestResult {
  ok: true;
  method: 'two-proportion-z';
  control: Moments;
  treatment: Moments;
  /** z statistic; 0 when both rates are 0 or both are 1 (no variance, no difference). */
  statistic: number;
  pValue: number;
  absoluteLift: AbsoluteLift;
  relativeLift: RelativeLift;
}

export function twoProportionTest(
  control: ProportionAggregate,
  treatment: ProportionAggregate,
  options: ProportionTestOptions = {},
): ProportionTestResult | ComparisonFailure {
  const c = summarizeProportion(control);
  const t = summarizeProportion(treatment);
  if (!c.ok || !t.ok || !c.moments || !t.moments) return comparisonFailure(c, t);
  const alpha = options.alpha ?? 0.05;
  const pooled = (control.x + treatment.x) / (control.n + treatment.n);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  const difference = t.moments.mean - c.moments.mean;
  const statistic = se0 > 0 ? difference / se0 : 0;
  const multiplier = normalQuantile(1 - alpha / 2);
  return {
    ok: true,
    method: 'two-proportion-z',
    control: c.moments,
    treatment: t.moments,
    statistic,
    pValue: normalTwoSidedP(statistic),
    absoluteLift: absoluteLift(c.moments, t.moments, multiplier),
    relativeLift: relativeLift(c.moments, t.moments, multiplier),
  };
}
