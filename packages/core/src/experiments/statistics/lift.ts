/**
 * Lift of a treatment over the control and its interval, for any interval whose half-width is
 * `multiplier × standard error`: a fixed-horizon confidence interval (multiplier z or t) or a
 * confidence sequence (multiplier from sequential.ts).
 *
 * - Absolute lift: mean_T − mean_C, standard error √(v_C/n_C + v_T/n_T) (unpooled).
 * - Relative lift: mean_T / mean_C − 1.
 *   - When both means are positive: delta method on the log ratio,
 *     Var(ln(m_T/m_C)) ≈ v_T/(n_T m_T²) + v_C/(n_C m_C²); the interval
 *     exp(ln r ± k·se) − 1 is asymmetric and never goes below −100 %. For proportions this is
 *     Katz's log interval for the relative risk.
 *   - Otherwise, if the control mean is not 0 (a metric that can be negative, or a treatment
 *     with no conversions): delta method on the ratio itself,
 *     Var(r) ≈ v_T/(n_T m_C²) + m_T² v_C/(n_C m_C⁴), symmetric interval r ± k·se.
 *   - With a control mean of 0 the relative lift is undefined.
 */
import type { Moments } from './aggregates.js';

export interface LiftInterval {
  lower: number;
  upper: number;
}

export interface AbsoluteLift {
  /** mean_T − mean_C, in the metric's unit. */
  estimate: number;
  /** Standard error of the estimate (unpooled). */
  standardError: number;
  interval: LiftInterval;
}

export type RelativeLiftMethod = 'delta-log-ratio' | 'delta-ratio';

export type RelativeLift =
  | {
      available: true;
      /** mean_T / mean_C − 1 (0.05 is +5 %). */
      estimate: number;
      interval: LiftInterval;
      method: RelativeLiftMethod;
    }
  | { available: false; reason: 'zero-control-mean' | 'numerically-unstable' };

/** Variance of the difference of two means. */
export function differenceVariance(control: Moments, treatment: Moments): number {
  return control.variance / control.n + treatment.variance / treatment.n;
}

export function absoluteLift(
  control: Moments,
  treatment: Moments,
  multiplier: number,
): AbsoluteLift {
  const estimate = treatment.mean - control.mean;
  const standardError = Math.sqrt(differenceVariance(control, treatment));
  const radius = multiplier * standardError;
  return {
    estimate,
    standardError,
    interval: { lower: estimate - radius, upper: estimate + radius },
  };
}

/**
 * The relative lift; 'numerically-unstable' when means near the floating-point limits
 * (e.g. 1e-300) make the interval overflow.
 */
export function relativeLift(
  control: Moments,
  treatment: Moments,
  multiplier: number,
): RelativeLift {
  const lift = relativeLiftUnchecked(control, treatment, multiplier);
  if (!lift.available) return lift;
  const { estimate, interval } = lift;
  const finite =
    Number.isFinite(estimate) && Number.isFinite(interval.lower) && Number.isFinite(interval.upper);
  return finite ? lift : { available: false, reason: 'numerically-unstable' };
}

function relativeLiftUnchecked(
  control: Moments,
  treatment: Moments,
  multiplier: number,
): RelativeLift {
  const mc = control.mean;
  const mt = treatment.mean;
  if (mc === 0) return { available: false, reason: 'zero-control-mean' };
  const estimate = mt / mc - 1;
  if (mc > 0 && mt > 0) {
    const se = Math.sqrt(
      treatment.variance / (treatment.n * mt * mt) + control.variance / (control.n * mc * mc),
    );
    const logRatio = Math.log(mt / mc);
    return {
      available: true,
      estimate,
      // A huge standard error (one conversion among millions) would overflow exp().
      interval: {
        lower: Math.exp(logRatio - multiplier * se) - 1,
        upper: Math.min(Math.exp(logRatio + multiplier * se) - 1, Number.MAX_VALUE),
      },
      method: 'delta-log-ratio',
    };
  }
  const se = Math.sqrt(
    treatment.variance / (treatment.n * mc * mc) +
      (mt * mt * control.variance) / (control.n * mc ** 4),
  );
  return {
    available: true,
    estimate,
    interval: { lower: estimate - multiplier * se, upper: estimate + multiplier * se },
    method: 'delta-ratio',
  };
}
