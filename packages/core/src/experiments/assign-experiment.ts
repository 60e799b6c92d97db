/**
 * Deterministic, sticky assignment (docs/experiments.md). A profile's stored assignment
 * wins while its variant exists; otherwise a running experiment assigns from hashes of
 * the user's key with the flags' FNV bucketing (docs/decisions/0025-flag-bucketing.md):
 *
 *   layer    bucket(`layer:` + layer id, key)   in [from, to) × 100, else out
 *   targeting  `when` and `segment` hold
 *   holdout  bucket(salt + `:holdout`, key)     < holdout × 100: held out
 *   traffic  bucket(salt + `:traffic`, key)     ≥ traffic × 100: out
 *   variant  bucket(salt, key)                  the variant whose range holds it
 *
 * Separate hashes keep each decision independent: ramping traffic up only adds users,
 * the holdout never moves, and the split among variants is the same at any traffic.
 */
import type { EvalInput } from '../conditions/condition.js';
import { bucketFromState } from '../flags/flag-bucket.js';
import type { ExperimentAssignment, ProfileState } from '../profiles/profile.js';
import { banditVariant } from './assign-bandit.js';
import type { Assignment, CompiledExperiment, CompiledVariant } from './experiment.js';

const out = {
  draft: Object.freeze({ reason: 'draft' }),
  stopped: Object.freeze({ reason: 'stopped' }),
  noKey: Object.freeze({ reason: 'no-key' }),
  layer: Object.freeze({ reason: 'layer' }),
  notTargeted: Object.freeze({ reason: 'not-targeted' }),
  holdout: Object.freeze({ reason: 'holdout' }),
  traffic: Object.freeze({ reason: 'traffic' }),
} as const satisfies Record<string, Assignment>;

/**
 * The key users are hashed by: the profile's first anonymousId, else its userId, so a
 * visitor keeps the same buckets after signing up; `fallback` without a profile.
 */
export function experimentKey(
  profile: ProfileState | undefined,
  fallback?: string,
): string | undefined {
  if (profile === undefined) return fallback;
  return profile.anonymousIds[0] ?? profile.userId ?? fallback;
}

/** The profile's stored assignment for an experiment (own keys only), if any. */
export function storedAssignment(
  profile: ProfileState | undefined,
  experimentId: string,
): ExperimentAssignment | undefined {
  const all = profile?.experiments;
  if (all === undefined || !Object.hasOwn(all, experimentId)) return undefined;
  return all[experimentId];
}

/**
 * The variant `input.profile` sees in `experiment`, or why none. A stopped experiment
 * serves its control to the profiles that had a variant; a removed variant re-assigns.
 * Never throws for a compiled experiment (a failing condition counts as not targeted).
 */
export function assignExperiment(
  experiment: CompiledExperiment,
  input: EvalInput,
  key: string | undefined,
): Assignment {
  if (experiment.status === 'draft') return out.draft;
  const stored = storedAssignment(input.profile, experiment.id);
  const kept = stored === undefined ? undefined : experiment.variantById.get(stored.variant);
  if (experiment.status === 'stopped') {
    return stored === undefined ? out.stopped : { variant: experiment.control, reason: 'stopped' };
  }
  if (kept !== undefined) return { variant: kept, reason: 'stored' };
  if (key === undefined || key === '') return out.noKey;
  const layer = experiment.layer;
  if (layer !== undefined) {
    const bucket = bucketFromState(layer.state, key);
    if (bucket < layer.from || bucket >= layer.to) return out.layer;
  }
  if (!targeted(experiment, input)) return out.notTargeted;
  if (
    experiment.holdoutBuckets > 0 &&
    bucketFromState(experiment.holdoutState, key) < experiment.holdoutBuckets
  ) {
    return out.holdout;
  }
  if (bucketFromState(experiment.trafficState, key) >= experiment.trafficBuckets) {
    return out.traffic;
  }
  const bandit = experiment.bandit;
  const variant =
    bandit === undefined
      ? variantOf(experiment, key)
      : banditVariant(experiment, bandit, input, key);
  return { variant, reason: 'assigned' };
}

/** The variant whose bucket range holds the key's variant bucket. */
export function variantOf(experiment: CompiledExperiment, key: string): CompiledVariant {
  const bucket = bucketFromState(experiment.variantState, key);
  for (const variant of experiment.variants) if (bucket < variant.until) return variant;
  // Weights sum to 100 % (checked when compiled): unreachable, but never throw.
  return experiment.variants[experiment.variants.length - 1] as CompiledVariant;
}

function targeted(experiment: CompiledExperiment, input: EvalInput): boolean {
  try {
    if (experiment.when !== undefined && !experiment.when.test(input)) return false;
    return experiment.segment === undefined || experiment.segment.test(input);
  } catch {
    return false;
  }
}
