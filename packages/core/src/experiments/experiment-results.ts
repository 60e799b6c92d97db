/**
 * An experiment's results: its totals per variant and metric, and the statistics'
 * analysis of them (analyzeExperiment: the SRM check, each treatment against the
 * control, the decision guidance). Conversion and step metrics are proportions (users
 * who converted among the exposed); count and value metrics are continuous (a value
 * per exposed user, 0 for those without events).
 */
import type { AnalysisMetric } from './statistics/analysis-input.js';
import { analyzeExperiment, type ExperimentAnalysis } from './statistics/analyze-experiment.js';
import type { CompiledExperiment } from './experiment.js';
import type { ExperimentTotals, MetricTotals } from './experiment-totals.js';

export interface VariantMetricResult {
  /** Exposed users of the variant. */
  n: number;
  /** Conversions (conversion, step) or the sum of the values (count, value). */
  sum: number;
  sumSq: number;
  /** sum / n: the conversion rate or the mean per user; null without users. */
  mean: number | null;
}

export interface VariantResult {
  id: string;
  weight: number;
  users: number;
  metrics: Record<string, VariantMetricResult>;
}

export interface ExperimentResults {
  experiment: string;
  status: CompiledExperiment['status'];
  control: string;
  variants: VariantResult[];
  analysis: ExperimentAnalysis;
}

const zero: MetricTotals = Object.freeze({ sum: 0, sumSq: 0 });

/** Results from the totals (variants not in config any more are left out). */
export function experimentResults(
  experiment: CompiledExperiment,
  totals: ExperimentTotals,
): ExperimentResults {
  const variants: VariantResult[] = experiment.variants.map((variant) => {
    const held = totals.get(variant.id);
    const users = held?.users ?? 0;
    const metrics: Record<string, VariantMetricResult> = {};
    for (const metric of experiment.metrics) {
      const sums =
        held !== undefined && Object.hasOwn(held.metrics, metric.id)
          ? (held.metrics[metric.id] as MetricTotals)
          : zero;
      metrics[metric.id] = {
        n: users,
        sum: sums.sum,
        sumSq: sums.sumSq,
        mean: users === 0 ? null : sums.sum / users,
      };
    }
    return { id: variant.id, weight: variant.weight, users, metrics };
  });
  const analysisMetrics: AnalysisMetric[] = experiment.metrics.map((metric) => {
    const base = {
      id: metric.id,
      role: metric.role,
      higherIsBetter: metric.higherIsBetter,
      ...(metric.minimumDetectableEffect !== undefined && {
        minimumDetectableEffect: metric.minimumDetectableEffect,
      }),
    };
    const results = variants.map((variant) => variant.metrics[metric.id] as VariantMetricResult);
    return metric.type === 'conversion' || metric.type === 'step'
      ? {
          ...base,
          type: 'proportion',
          data: results.map((r) => ({ n: r.n, x: Math.round(r.sum) })),
        }
      : {
          ...base,
          type: 'continuous',
          data: results.map((r) => ({ n: r.n, sum: r.sum, sumSq: r.sumSq })),
        };
  });
  const analysis = analyzeExperiment({
    variants: variants.map((variant) => ({
      id: variant.id,
      weight: variant.weight,
      users: variant.users,
    })),
    controlId: experiment.control.id,
    metrics: analysisMetrics,
    options: experiment.analysis,
  });
  return {
    experiment: experiment.id,
    status: experiment.status,
    control: experiment.control.id,
    variants,
    analysis,
  };
}
