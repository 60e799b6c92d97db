/**
 * One metric of an experiment: every treatment against the control, with the fixed-horizon
 * test, the sequential test (in sequential mode), the Bayesian summary, the sample size and
 * the decision guidance.
 */
import type {
  AggregateIssue,
  ContinuousAggregate,
  Moments,
  ProportionAggregate,
} from './aggregates.js';
import { summarizeContinuous, summarizeProportion } from './aggregates.js';
import type {
  AnalysisMetric,
  MetricRole,
  ResolvedOptions,
  AnalysisVariant,
} from './analysis-input.js';
import type { BayesianComparison } from './bayesian.js';
import { betaBinomialComparison, normalMeansComparison } from './bayesian.js';
import type { ChiSquaredResult } from './chi-squared-test.js';
import { chiSquaredTest } from './chi-squared-test.js';
import type { Guidance, GuidanceReason, GuidanceWarning } from './guidance.js';
import { guideComparison, unavailableGuidance } from './guidance.js';
import { isFiniteDeep } from './finite.js';
import { adjustPValues, intervalAlpha } from './multiple-comparisons.js';
import type { ProportionTestResult } from './proportion-test.js';
import { twoProportionTest } from './proportion-test.js';
import type { RequiredUsers, SampleSizeInput } from './sample-size.js';
import { fixedHorizonSampleSize, sequentialSampleSize } from './sample-size.js';
import type { SequentialResult } from './sequential.js';
import { sequentialTest } from './sequential.js';
import type { ComparisonFailure } from './test-result.js';
import type { WelchTestResult } from './welch-t-test.js';
import { welchTTest } from './welch-t-test.js';

export interface VariantSummary {
  variantId: string;
  /** n, mean and per-user variance; null with no users or an invalid aggregate. */
  moments: Moments | null;
  issue: AggregateIssue | null;
}

export interface BayesianSummary {
  method: BayesianComparison['method'];
  /** Posterior probability that the treatment is better than the control. */
  chanceToBeatControl: number;
  /** Expected loss (metric unit) if the treatment is chosen and is in fact worse. */
  riskOfChoosingTreatment: number;
  /** Expected loss if the control is kept and the treatment is in fact better. */
  riskOfKeepingControl: number;
}

export interface VariantComparison {
  variantId: string;
  /** The fixed-horizon test (intervals at level α, or α/m with a correction). */
  fixedHorizon:
    | Omit<ProportionTestResult, 'ok' | 'control' | 'treatment'>
    | Omit<WelchTestResult, 'ok' | 'control' | 'treatment'>
    | null;
  /** The mSPRT with confidence sequences, in sequential mode. */
  sequential: SequentialResult | null;
  /** The p-value the decision used, after the correction (null when unavailable). */
  adjustedPValue: number | null;
  bayesian: BayesianSummary | null;
  guidance: Guidance;
}

export interface MetricAnalysis {
  metricId: string;
  type: AnalysisMetric['type'];
  role: MetricRole;
  higherIsBetter: boolean;
  /** Pearson's chi-squared test across all variants (proportion metrics, 2+ variants). */
  overall: ChiSquaredResult | null;
  variants: VariantSummary[];
  comparisons: VariantComparison[];
}

type Computed = {
  variantId: string;
  test: ProportionTestResult | WelchTestResult;
  sequential: SequentialResult | null;
  bayesian: BayesianComparison;
  weights: { control: number; treatment: number };
};

const failureReasons: Record<ComparisonFailure['reason'], GuidanceReason> = {
  'invalid-control': 'invalid-data',
  'invalid-treatment': 'invalid-data',
  'no-control-data': 'no-data',
  'no-treatment-data': 'no-data',
  'too-few-users': 'too-few-users',
  'zero-variance': 'zero-variance',
  'numerically-unstable': 'numerically-unstable',
};

function summarize(
  metric: AnalysisMetric,
  index: number,
): VariantSummary['moments'] | AggregateIssue {
  const summary =
    metric.type === 'proportion'
      ? summarizeProportion(metric.data[index] as ProportionAggregate)
      : summarizeContinuous(metric.data[index] as ContinuousAggregate);
  return summary.ok ? summary.moments : summary.issue;
}

function runTest(metric: AnalysisMetric, c: number, t: number, alpha: number) {
  return metric.type === 'proportion'
    ? twoProportionTest(
        metric.data[c] as ProportionAggregate,
        metric.data[t] as ProportionAggregate,
        { alpha },
      )
    : welchTTest(metric.data[c] as ContinuousAggregate, metric.data[t] as ContinuousAggregate, {
        alpha,
      });
}

function orient(b: BayesianComparison, higherIsBetter: boolean): BayesianSummary {
  return higherIsBetter
    ? {
        method: b.method,
        chanceToBeatControl: b.probabilityTreatmentHigher,
        riskOfChoosingTreatment: b.expectedLossTreatment,
        riskOfKeepingControl: b.expectedLossControl,
      }
    : {
        method: b.method,
        chanceToBeatControl: 1 - b.probabilityTreatmentHigher,
        riskOfChoosingTreatment: b.expectedLossControl,
        riskOfKeepingControl: b.expectedLossTreatment,
      };
}

function requiredUsers(
  metric: AnalysisMetric,
  computed: Computed,
  mde: number,
  alpha: number,
  options: ResolvedOptions,
): { effect: number; users: RequiredUsers | null } {
  const control = computed.test.control;
  const effect = mde * Math.abs(control.mean);
  if (!(effect > 0) || !(computed.weights.control > 0) || !(computed.weights.treatment > 0)) {
    return { effect: 0, users: null };
  }
  const alternative = Math.min(1, control.mean * (1 + mde));
  const input: SampleSizeInput = {
    effect,
    controlVariance: control.variance,
    treatmentVariance:
      metric.type === 'proportion'
        ? alternative * (1 - alternative)
        : computed.test.treatment.variance,
    controlWeight: computed.weights.control,
    treatmentWeight: computed.weights.treatment,
    alpha,
  };
  const users =
    options.mode === 'sequential'
      ? sequentialSampleSize(input, options.power, options.plannedUsers)
      : fixedHorizonSampleSize(input, options.power);
  // Effects or variances at the floating-point limits can overflow the calculation.
  return isFiniteDeep(users) ? { effect, users } : { effect: 0, users: null };
}

function unavailableComparison(
  variantId: string,
  reason: GuidanceReason,
  warnings: GuidanceWarning[],
): VariantComparison {
  return {
    variantId,
    fixedHorizon: null,
    sequential: null,
    adjustedPValue: null,
    bayesian: null,
    guidance: unavailableGuidance(reason, warnings),
  };
}

export function analyzeMetric(
  metric: AnalysisMetric,
  variants: readonly AnalysisVariant[],
  controlIndex: number,
  options: ResolvedOptions,
  warnings: GuidanceWarning[],
): MetricAnalysis {
  const role = metric.role ?? 'primary';
  const higherIsBetter = metric.higherIsBetter ?? true;
  const mde = metric.minimumDetectableEffect ?? options.minimumDetectableEffect;
  const treatments = variants.map((_, i) => i).filter((i) => i !== controlIndex);
  const alpha = intervalAlpha(options.alpha, treatments.length, options.correction);
  const controlVariant = variants[controlIndex] as AnalysisVariant;

  const results = treatments.map((t): Computed | ComparisonFailure => {
    const test = runTest(metric, controlIndex, t, alpha);
    if (!test.ok) return test;
    const sequential =
      options.mode === 'sequential'
        ? sequentialTest(test.control, test.treatment, {
            alpha,
            plannedUsers: options.plannedUsers,
          })
        : null;
    const bayesian =
      metric.type === 'proportion'
        ? betaBinomialComparison(
            metric.data[controlIndex] as ProportionAggregate,
            metric.data[t] as ProportionAggregate,
          )
        : normalMeansComparison(test.control, test.treatment);
    if (!isFiniteDeep([test, sequential, bayesian])) {
      return { ok: false, reason: 'numerically-unstable' };
    }
    const weights = {
      control: controlVariant.weight,
      treatment: (variants[t] as AnalysisVariant).weight,
    };
    return { variantId: (variants[t] as AnalysisVariant).id, test, sequential, bayesian, weights };
  });

  const okResults = results.filter((r): r is Computed => !('ok' in r));
  const rawP = okResults.map((r) => (r.sequential ?? r.test).pValue);
  const adjusted = adjustPValues(rawP, options.correction);

  const comparisons = results.map((r, i): VariantComparison => {
    const variantId = (variants[treatments[i] as number] as AnalysisVariant).id;
    if ('ok' in r) return unavailableComparison(variantId, failureReasons[r.reason], warnings);
    const pValue = adjusted[okResults.indexOf(r)] as number;
    const { control: _c, treatment: _t, ok: _ok, ...fixedHorizon } = r.test;
    const { effect, users } = requiredUsers(metric, r, mde, alpha, options);
    const guidance = guideComparison({
      mode: options.mode,
      role,
      higherIsBetter,
      alpha: options.alpha,
      pValue,
      lift: r.test.absoluteLift.estimate,
      interval: (r.sequential ?? r.test).absoluteLift.interval,
      effect,
      users: { control: r.test.control.n, treatment: r.test.treatment.n },
      requiredUsers: users,
      warnings,
    });
    const comparison = {
      variantId,
      fixedHorizon,
      sequential: r.sequential,
      adjustedPValue: pValue,
      bayesian: orient(r.bayesian, higherIsBetter),
      guidance,
    };
    return isFiniteDeep(comparison)
      ? comparison
      : unavailableComparison(variantId, 'numerically-unstable', warnings);
  });

  return {
    metricId: metric.id,
    type: metric.type,
    role,
    higherIsBetter,
    overall:
      metric.type === 'proportion' && variants.length > 1 ? chiSquaredTest(metric.data) : null,
    variants: variants.map((v, i) => {
      const summary = summarize(metric, i);
      return typeof summary === 'string'
        ? { variantId: v.id, moments: null, issue: summary }
        : { variantId: v.id, moments: summary, issue: null };
    }),
    comparisons,
  };
}
