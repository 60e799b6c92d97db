/**
 * The results of an experiment, per metric and treatment, from per-variant aggregates:
 * the SRM check, each treatment against the control, and the decision guidance.
 *
 * ```ts
 * const result = analyzeExperiment({
 *   variants: [
 *     { id: 'control', weight: 50, users: 10_000 },
 *     { id: 'new-tour', weight: 50, users: 10_050 },
 *   ],
 *   metrics: [
 *     { id: 'activated', type: 'proportion', data: [{ n: 10_000, x: 1_200 }, { n: 10_050, x: 1_320 }] },
 *   ],
 *   options: { mode: 'sequential', plannedUsers: 20_000 },
 * });
 * ```
 *
 * It never throws: malformed structure or settings give `{ ok: false, issues }`, and bad
 * aggregates make the affected comparisons `unavailable` with a reason.
 */
import type { AnalysisInputIssue, ResolvedOptions } from './analysis-input.js';
import type { MetricAnalysis } from './analyze-metric.js';
import { analyzeMetric } from './analyze-metric.js';
import type { GuidanceWarning } from './guidance.js';
import type { SampleRatioMismatch } from './sample-ratio-mismatch.js';
import { checkSampleRatio } from './sample-ratio-mismatch.js';
import { validateAnalysisInput } from './validate-analysis-input.js';

export type AnalysisWarning = GuidanceWarning | 'single-variant';

export type ExperimentAnalysis =
  | {
      ok: true;
      controlId: string;
      options: ResolvedOptions;
      sampleRatio: SampleRatioMismatch;
      /** `sample-ratio-mismatch`: do not act on any result; `single-variant`: nothing to compare. */
      warnings: AnalysisWarning[];
      metrics: MetricAnalysis[];
    }
  | { ok: false; issues: AnalysisInputIssue[] };

export function analyzeExperiment(input: unknown): ExperimentAnalysis {
  const validated = validateAnalysisInput(input);
  if (!validated.ok) return validated;
  const { input: experiment, options } = validated;
  const { variants } = experiment;
  const controlIndex =
    experiment.controlId === undefined
      ? 0
      : variants.findIndex((v) => v.id === experiment.controlId);
  const sampleRatio = checkSampleRatio(
    variants.map((v) => v.users),
    variants.map((v) => v.weight),
    { threshold: options.srmThreshold },
  );
  const warnings: AnalysisWarning[] = [];
  const guidanceWarnings: GuidanceWarning[] = [];
  if (sampleRatio.checked && sampleRatio.mismatch) {
    warnings.push('sample-ratio-mismatch');
    guidanceWarnings.push('sample-ratio-mismatch');
  }
  if (variants.length < 2) warnings.push('single-variant');
  return {
    ok: true,
    controlId: (variants[controlIndex] ?? variants[0])?.id ?? '',
    options,
    sampleRatio,
    warnings,
    metrics: experiment.metrics.map((metric) =>
      analyzeMetric(metric, variants, controlIndex, options, guidanceWarnings),
    ),
  };
}
