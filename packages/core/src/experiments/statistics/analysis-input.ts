/**
 * The input of analyzeExperiment and its validation. The structure and the settings are
 * config: when they are malformed the analysis returns issues naming the field. The
 * aggregates are data: a bad aggregate never fails the analysis, it makes the comparisons
 * that need it `unavailable` with a reason.
 */
import type { ContinuousAggregate, ProportionAggregate } from './aggregates.js';
import type { MultipleComparisonCorrection } from './multiple-comparisons.js';
import { DEFAULT_SRM_THRESHOLD } from './sample-ratio-mismatch.js';
import { DEFAULT_PLANNED_USERS } from './sequential.js';

export interface AnalysisVariant {
  id: string;
  /** Allocation weight (any scale; the SRM check compares users with weight shares). */
  weight: number;
  /** Users assigned to the variant, for the SRM check. */
  users: number;
}

/** primary decides; secondary informs; guardrail must not get significantly worse. */
export type MetricRole = 'primary' | 'secondary' | 'guardrail';

interface MetricInputBase {
  id: string;
  role?: MetricRole;
  /** Whether an increase is good (default true; false for e.g. churn or load time). */
  higherIsBetter?: boolean;
  /** Relative minimum detectable effect for this metric (default: the analysis's). */
  minimumDetectableEffect?: number;
}

/** Metric aggregates, `data[i]` belonging to `variants[i]`. */
export type AnalysisMetric =
  | (MetricInputBase & { type: 'proportion'; data: ProportionAggregate[] })
  | (MetricInputBase & { type: 'continuous'; data: ContinuousAggregate[] });

export type AnalysisMode = 'fixed-horizon' | 'sequential';

export interface AnalysisOptions {
  /** Two-sided significance level (default 0.05). */
  alpha?: number;
  /** Power of the sample-size calculation (default 0.8). */
  power?: number;
  /** Relative minimum detectable effect, 0.05 = 5 % of the control mean (default 0.05). */
  minimumDetectableEffect?: number;
  /** 'fixed-horizon' (look once, at the planned size) or 'sequential' (peek freely). */
  mode?: AnalysisMode;
  /** Sequential tuning: users per comparison (both variants) where intervals are tightest. */
  plannedUsers?: number;
  /** Adjustment across the treatments of a metric (default 'none'). */
  correction?: MultipleComparisonCorrection;
  /** SRM flagged when p < srmThreshold (default 0.001). */
  srmThreshold?: number;
}

export interface ExperimentInput {
  variants: AnalysisVariant[];
  /** The control's variant id (default: the first variant). */
  controlId?: string;
  metrics: AnalysisMetric[];
  options?: AnalysisOptions;
}

export type ResolvedOptions = Required<AnalysisOptions>;

export interface AnalysisInputIssue {
  /** Path of the field at fault, e.g. "metrics.0.type". */
  path: string;
  message: string;
}

export const DEFAULT_OPTIONS: ResolvedOptions = Object.freeze({
  alpha: 0.05,
  power: 0.8,
  minimumDetectableEffect: 0.05,
  mode: 'fixed-horizon',
  plannedUsers: DEFAULT_PLANNED_USERS,
  correction: 'none',
  srmThreshold: DEFAULT_SRM_THRESHOLD,
});
