/**
 * The experiments runtime contract: a config version's experiments, compiled once
 * (conditions bound, bucket bounds and FNV states precomputed, metrics indexed by
 * event name), and what assignment returns. docs/experiments.md documents the model.
 */
import type { CompiledCondition } from '../conditions/condition.js';
import type { OnrampEvent } from '../events/event.js';
import type { CompiledBandit } from './compile-bandit-experiment.js';
import type {
  ExperimentAnalysisDefinition,
  ExperimentDefinition,
  ExperimentMetricType,
  ExperimentStatus,
} from './experiment-schema.js';

export interface CompiledVariant {
  readonly id: string;
  readonly weight: number;
  /** Buckets [previous variant's `until`, `until`) of the variant hash (0 … 10 000). */
  readonly until: number;
  readonly content?: { readonly item: string; readonly variant?: string };
  readonly flag?: { readonly key: string; readonly variant: string };
  /** The flow variant its users get (variant absent: the flow's steps in order). */
  readonly flow?: { readonly id: string; readonly variant?: string };
}

export interface CompiledMetric {
  readonly id: string;
  readonly type: ExperimentMetricType;
  /** conversion, count, value: the metric name of the events that count. */
  readonly event?: string;
  readonly where?: (event: OnrampEvent) => boolean;
  /** value: where the number is read, relative to the event (`properties`, `revenue`). */
  readonly property?: readonly string[];
  readonly flow?: string;
  readonly step?: string;
  /** How long after exposure events count (ms); Infinity when unbounded. */
  readonly withinMs: number;
  readonly role: 'primary' | 'secondary' | 'guardrail';
  readonly higherIsBetter: boolean;
  readonly minimumDetectableEffect?: number;
}

export interface CompiledExperiment {
  readonly id: string;
  readonly status: ExperimentStatus;
  readonly definition: ExperimentDefinition;
  /** FNV-1a states after the salts of the variant, traffic and holdout hashes. */
  readonly variantState: number;
  readonly trafficState: number;
  readonly holdoutState: number;
  /** Users whose traffic bucket is below this enter (traffic × 100). */
  readonly trafficBuckets: number;
  /** Users whose holdout bucket is below this are held out (holdout × 100). */
  readonly holdoutBuckets: number;
  /** The layer's FNV state and this experiment's range of its buckets [from, to). */
  readonly layer?: { readonly id: string; readonly state: number; from: number; to: number };
  readonly when?: CompiledCondition;
  readonly segment?: CompiledCondition;
  readonly variants: readonly CompiledVariant[];
  readonly variantById: ReadonlyMap<string, CompiledVariant>;
  readonly control: CompiledVariant;
  readonly placement?: string;
  readonly metrics: readonly CompiledMetric[];
  /** Metric name → the conversion, count and value metrics it feeds. */
  readonly metricsByEvent: ReadonlyMap<string, readonly CompiledMetric[]>;
  readonly stepMetrics: readonly CompiledMetric[];
  readonly analysis: ExperimentAnalysisDefinition;
  /** kind bandit: the policy, the reward metric (also in `metrics`), segments, live state. */
  readonly bandit?: CompiledBandit;
}

/** A version's experiments, compiled and indexed. */
export interface CompiledExperimentSet {
  /** In config order. */
  readonly experiments: readonly CompiledExperiment[];
  readonly byId: ReadonlyMap<string, CompiledExperiment>;
  /** Placement → the non-draft experiments that change its content, in config order. */
  readonly byPlacement: ReadonlyMap<string, readonly CompiledExperiment[]>;
  /** Flag key → the non-draft experiments that override it, in config order. */
  readonly byFlag: ReadonlyMap<string, readonly CompiledExperiment[]>;
  /** Flow id → the non-draft experiments that choose its variant, in config order. */
  readonly byFlow: ReadonlyMap<string, readonly CompiledExperiment[]>;
}

export const emptyExperimentSet: CompiledExperimentSet = Object.freeze({
  experiments: Object.freeze([]),
  byId: new Map<string, CompiledExperiment>(),
  byPlacement: new Map<string, readonly CompiledExperiment[]>(),
  byFlag: new Map<string, readonly CompiledExperiment[]>(),
  byFlow: new Map<string, readonly CompiledExperiment[]>(),
});

/** Why a profile is, or is not, in an experiment's variant. */
export type AssignmentReason =
  | 'stored'
  | 'assigned'
  | 'stopped'
  | 'draft'
  | 'not-targeted'
  | 'layer'
  | 'holdout'
  | 'traffic'
  | 'no-key';

/**
 * What assignment gives: a variant (stored on the profile, newly assigned, or the
 * control of a stopped experiment), or why there is none.
 */
export interface Assignment {
  readonly variant?: CompiledVariant;
  readonly reason: AssignmentReason;
}
