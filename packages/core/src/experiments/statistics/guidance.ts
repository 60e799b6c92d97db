/**
 * Guidance guidance for one treatment on one metric. The rules, in order (docs/experiments-statistics.md):
 *
 * 1. `unavailable`: the comparison could not be computed (invalid aggregate, no users in a
 *    variant, fewer than 2 users for a continuous metric, zero variance with different means,
 *    values so large that the variance overflows).
 * 2. `significant`: the decision p-value (fixed-horizon test, or the always-valid p-value in
 *    sequential mode; adjusted across treatments when a correction is set) is below α.
 *    `effect` is `better` or `worse` given the metric's direction; a guardrail metric that is
 *    significantly worse sets `guardrailViolated`.
 * 3. The minimum detectable effect δ = mde·|control mean|; if it is 0 (control mean 0) the
 *    power calculation is impossible: `not-yet`, reason `effect-size-undefined`.
 * 4. Fixed horizon: `inconclusive` once both variants have the users the power calculation
 *    asks for (no effect of δ or more was found where one would have been found with
 *    probability `power`); else `not-yet` with the required users.
 *    Sequential: `inconclusive` once the confidence sequence of the absolute lift lies inside
 *    (−δ, δ) (an effect of δ is ruled out, valid at any look); else `not-yet` with the users
 *    from the sequential sample size (sample-size.ts).
 */
import type { AnalysisMode, MetricRole } from './analysis-input.js';
import type { LiftInterval } from './lift.js';
import type { RequiredUsers } from './sample-size.js';

export type GuidanceStatus = 'significant' | 'not-yet' | 'inconclusive' | 'unavailable';

export type GuidanceReason =
  | 'p-value-below-alpha'
  | 'always-valid-p-value-below-alpha'
  | 'sample-below-required'
  | 'interval-wider-than-effect'
  | 'required-sample-reached'
  | 'interval-excludes-effect'
  | 'effect-size-undefined'
  | 'invalid-data'
  | 'no-data'
  | 'too-few-users'
  | 'zero-variance'
  | 'numerically-unstable';

export type GuidanceWarning = 'sample-ratio-mismatch';

export interface Guidance {
  status: GuidanceStatus;
  reason: GuidanceReason;
  /** For `significant`: whether the treatment moved the metric the good way. */
  effect: 'better' | 'worse' | null;
  /** For `significant`: the sign of the lift. */
  direction: 'increase' | 'decrease' | null;
  /** A guardrail metric got significantly worse: do not ship as is. */
  guardrailViolated: boolean;
  /** For `not-yet`: users each variant needs (null when it cannot be computed). */
  requiredUsers: RequiredUsers | null;
  warnings: GuidanceWarning[];
}

export interface GuidanceInput {
  mode: AnalysisMode;
  role: MetricRole;
  higherIsBetter: boolean;
  alpha: number;
  /** The p-value the decision uses (adjusted if a correction is set). */
  pValue: number;
  lift: number;
  /** The absolute lift's interval (confidence sequence in sequential mode). */
  interval: LiftInterval;
  /** Absolute minimum detectable effect δ (0 if undefined). */
  effect: number;
  users: RequiredUsers;
  requiredUsers: RequiredUsers | null;
  warnings: GuidanceWarning[];
}

export function unavailableGuidance(reason: GuidanceReason, warnings: GuidanceWarning[]): Guidance {
  return {
    status: 'unavailable',
    reason,
    effect: null,
    direction: null,
    guardrailViolated: false,
    requiredUsers: null,
    warnings,
  };
}

export function guideComparison(input: GuidanceInput): Guidance {
  const base = {
    effect: null,
    direction: null,
    guardrailViolated: false,
    warnings: input.warnings,
  };
  if (input.pValue < input.alpha && input.lift !== 0) {
    const direction = input.lift > 0 ? 'increase' : 'decrease';
    const effect = input.lift > 0 === input.higherIsBetter ? 'better' : 'worse';
    return {
      ...base,
      status: 'significant',
      reason:
        input.mode === 'sequential' ? 'always-valid-p-value-below-alpha' : 'p-value-below-alpha',
      effect,
      direction,
      guardrailViolated: input.role === 'guardrail' && effect === 'worse',
      requiredUsers: null,
    };
  }
  if (!(input.effect > 0) || input.requiredUsers === null) {
    return { ...base, status: 'not-yet', reason: 'effect-size-undefined', requiredUsers: null };
  }
  if (input.mode === 'sequential') {
    const inside = input.interval.lower > -input.effect && input.interval.upper < input.effect;
    return inside
      ? { ...base, status: 'inconclusive', reason: 'interval-excludes-effect', requiredUsers: null }
      : {
          ...base,
          status: 'not-yet',
          reason: 'interval-wider-than-effect',
          requiredUsers: input.requiredUsers,
        };
  }
  const reached =
    input.users.control >= input.requiredUsers.control &&
    input.users.treatment >= input.requiredUsers.treatment;
  return reached
    ? { ...base, status: 'inconclusive', reason: 'required-sample-reached', requiredUsers: null }
    : {
        ...base,
        status: 'not-yet',
        reason: 'sample-below-required',
        requiredUsers: input.requiredUsers,
      };
}
