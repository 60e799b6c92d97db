/**
 * Flags in experiments: a variant with `flag: { key, variant }` serves that flag variant
 * to its users instead of the flag's own evaluation. The flags evaluations (OFREP,
 * decide's flags) call these with the version's experiments;
 * exposure is the app's `Experiment Viewed` (experiment_id, variation_id) when it acts
 * on the value, as with any flag-driven experiment.
 */
import { evaluateAllFlags, evaluateFlag } from '../flags/evaluate-flag.js';
import type { CompiledFlagSet, FlagContext, FlagEvaluation } from '../flags/flag.js';
import type { FlagType } from '../flags/flag-schema.js';
import type { JsonValue } from '../json/json.js';
import { assignExperiment, experimentKey } from './assign-experiment.js';
import type { CompiledExperimentSet } from './experiment.js';

export interface FlagOverride {
  experiment: string;
  /** The experiment's variant id. */
  variant: string;
  /** The flag variant it serves. */
  flagVariant: string;
}

/**
 * The first non-draft experiment (config order) that puts this context's profile in a
 * variant overriding `flagKey`, if any. The key hashed is the profile's (first
 * anonymousId, else userId), else the context's targetingKey.
 */
export function experimentFlagOverride(
  experiments: CompiledExperimentSet,
  flagKey: string,
  context: FlagContext,
): FlagOverride | undefined {
  const candidates = experiments.byFlag.get(flagKey);
  if (candidates === undefined) return undefined;
  const key = experimentKey(
    context.profile.id === '' ? undefined : context.profile,
    context.targetingKey,
  );
  for (const experiment of candidates) {
    const { variant } = assignExperiment(experiment, context, key);
    if (variant?.flag?.key === flagKey) {
      return { experiment: experiment.id, variant: variant.id, flagVariant: variant.flag.variant };
    }
  }
  return undefined;
}

/**
 * evaluateFlag, unless an experiment overrides the flag for this context: then its
 * variant's value, reason TARGETING_MATCH, with `experiment` and `experimentVariant`
 * in the flag metadata. Never throws.
 */
export function evaluateFlagWithExperiments(
  flags: CompiledFlagSet,
  experiments: CompiledExperimentSet,
  key: string,
  context: FlagContext,
  expected?: FlagType,
): FlagEvaluation {
  const evaluation = evaluateFlag(flags, key, context, expected);
  return withExperiment(flags, experiments, evaluation, context);
}

/**
 * evaluateAllFlags with the experiments' overrides: without experiments on flags, the
 * flags' own evaluations as they are (nothing more is done). Never throws.
 */
export function evaluateAllFlagsWithExperiments(
  flags: CompiledFlagSet,
  experiments: CompiledExperimentSet,
  context: FlagContext,
): FlagEvaluation[] {
  const results = evaluateAllFlags(flags, context);
  if (experiments.byFlag.size === 0) return results;
  for (let i = 0; i < results.length; i++) {
    const evaluation = results[i] as FlagEvaluation;
    if (experiments.byFlag.has(evaluation.key)) {
      results[i] = withExperiment(flags, experiments, evaluation, context);
    }
  }
  return results;
}

/** The evaluation, or the flag variant of the experiment that overrides it for this context. */
function withExperiment(
  flags: CompiledFlagSet,
  experiments: CompiledExperimentSet,
  evaluation: FlagEvaluation,
  context: FlagContext,
): FlagEvaluation {
  if (evaluation.reason === 'ERROR' || evaluation.reason === 'DISABLED') return evaluation;
  const key = evaluation.key;
  let override: FlagOverride | undefined;
  try {
    override = experimentFlagOverride(experiments, key, context);
  } catch {
    return evaluation;
  }
  const flag = flags.byKey.get(key);
  if (override === undefined || flag === undefined) return evaluation;
  const variants = flag.definition.variants;
  if (!Object.hasOwn(variants, override.flagVariant)) return evaluation;
  return Object.freeze({
    key,
    value: variants[override.flagVariant] as JsonValue,
    variant: override.flagVariant,
    reason: 'TARGETING_MATCH',
    flagMetadata: Object.freeze({
      ...evaluation.flagMetadata,
      experiment: override.experiment,
      experimentVariant: override.variant,
    }),
  });
}
