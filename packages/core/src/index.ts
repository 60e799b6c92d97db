export * from './json/json.js';
export * from './time/clock.js';
export * from './time/duration.js';
export * from './time/iso-time.js';
export * from './events/event.js';
export * from './events/dead-letter-store.js';
export * from './events/memory-dead-letter-store.js';
export * from './events/validate-message.js';
export * from './events/normalize-event.js';
export * from './events/tracking-plan.js';
export * from './events/consent.js';
export * from './events/prepare-messages.js';
export * from './identity/resolve-profile.js';
export * from './log/event-log.js';
export * from './log/memory-event-log.js';
export * from './profiles/profile.js';
export * from './profiles/profile-store.js';
export * from './profiles/memory-profile-store.js';
export * from './profiles/windows.js';
export * from './profiles/sessions.js';
export * from './profiles/touch.js';
export * from './profiles/engagement.js';
export * from './profiles/apply-event.js';
export * from './profiles/derived-metrics.js';
export * from './profiles/profile-summary.js';
export * from './profiles/profile-memory.js';
export * from './processing/processor.js';
export * from './settings/workspace-settings.js';
export * from './workspaces/workspace.js';
export * from './workspaces/memory-workspace-store.js';
export * from './conditions/condition.js';
export * from './conditions/condition-compiler.js';
export * from './rules/rule-schema.js';
export * from './rules/rule.js';
export * from './rules/rule-config-store.js';
export * from './rules/memory-rule-config-store.js';
export * from './rules/timer-heap.js';
export * from './rules/simulate-rules.js';
export * from './rules/dry-run-rules.js';
export * from './rules/compile-rule-set.js';
export * from './rules/run-rules.js';
export * from './rules/explain-rules.js';
export * from './paging/check-page.js';
export * from './segments/segment-schema.js';
export * from './segments/segment.js';
export * from './clustering/clustering.js';
export * from './segments/segment-runtime.js';
export * from './segments/compile-segments.js';
export * from './segments/profile-metric.js';
export * from './segments/membership-events.js';
export * from './segments/update-memberships.js';
export * from './clustering/memory-cluster-run-store.js';
// run-clustering is a subpath export (@onramp/core/run-clustering): it loads ml-kmeans,
// which only the clustering worker needs.
export type { RunClusteringOptions, ClusteringResult } from './clustering/run-clustering.js';
export * from './clustering/assign-cluster.js';
export * from './clustering/adjusted-rand-index.js';
export * from './cohorts/cohort-sketch.js';
export * from './cohorts/cohort-bands.js';
export * from './cohorts/live-population.js';
export * from './cohorts/rank-error.js';
export { createSeededRandom } from './clustering/seeded-random.js';
export * from './content/content-schema.js';
export * from './content/content.js';
export * from './flows/flow-schema.js';
export * from './flows/flow.js';
export * from './decide/decision.js';
export * from './decide/decide-runtime.js';
export * from './decide/decide-config.js';
export * from './content/locale.js';
export * from './content/liquid.js';
export * from './decide/decide.js';
export * from './flags/flag-schema.js';
export * from './flags/flag.js';
export { BUCKETS, bucketFromState, flagBucket, fnv1a32 } from './flags/flag-bucket.js';
export {
  addFlags,
  compileFlags,
  emptyFlagSet,
  normalizeFlags,
  type CompileFlagsOptions,
  type FlagBinder,
} from './flags/compile-flags.js';
export * from './flags/evaluate-flag.js';
// Experiments (docs/experiments.md): schema, compiler, assignment, exposure, metrics, results.
export * from './experiments/experiment-schema.js';
export * from './experiments/experiment.js';
export {
  addExperiments,
  compileExperiments,
  normalizeExperiments,
  type CompileExperimentsOptions,
  type ExperimentBinder,
  type ExperimentReferences,
} from './experiments/compile-experiments.js';
export * from './experiments/assign-experiment.js';
export * from './experiments/update-experiments.js';
export * from './experiments/merge-experiments.js';
export * from './experiments/experiment-totals.js';
export * from './experiments/experiment-results.js';
export * from './experiments/flag-override.js';
// Bandits in experiments (docs/bandits.md, decision 28): kind bandit served from a live state.
export * from './experiments/bandit-experiment-schema.js';
export {
  banditWeight,
  type BanditStateSlot,
  type CompiledBandit,
} from './experiments/compile-bandit-experiment.js';
export * from './experiments/bandit-evidence.js';
export * from './experiments/bandit-totals.js';
export * from './experiments/bandit-results.js';
export * from './experiments/live-bandits.js';
// Experiment statistics (docs/experiments-statistics.md): pure functions over per-variant aggregates.
export * from './experiments/statistics/aggregates.js';
export * from './experiments/statistics/analysis-input.js';
export * from './experiments/statistics/analyze-experiment.js';
export * from './experiments/statistics/analyze-metric.js';
export * from './experiments/statistics/bayesian.js';
export * from './experiments/statistics/chi-squared-test.js';
export * from './experiments/statistics/guidance.js';
export * from './experiments/statistics/lift.js';
export * from './experiments/statistics/multiple-comparisons.js';
export * from './experiments/statistics/proportion-test.js';
export * from './experiments/statistics/sample-ratio-mismatch.js';
export * from './experiments/statistics/sample-size.js';
export * from './experiments/statistics/sequential.js';
export * from './experiments/statistics/test-result.js';
export * from './experiments/statistics/welch-t-test.js';
// Bandits (docs/bandits.md): Thompson sampling over variants, the experiment kind `bandit`.
export * from './experiments/bandits/bandit-types.js';
export * from './experiments/bandits/bandit-settings.js';
export {
  MAX_BANDIT_SEGMENTS,
  countsForChoice,
  createBanditState,
  mergeBanditState,
  recordReward,
  recordTrial,
} from './experiments/bandits/bandit-state.js';
export * from './experiments/bandits/bandit-state-json.js';
export { chooseArm } from './experiments/bandits/choose-arm.js';
export * from './experiments/bandits/probability-best.js';
export * from './experiments/bandits/simulate-bandit.js';
export { createUserRandom } from './experiments/bandits/user-random.js';
export { sampleBeta, sampleGamma } from './experiments/bandits/beta-sampler.js';
