/**
 * A new user's variant in a bandit experiment (kind `bandit`): `chooseArm` over the live
 * state the engine keeps in the bandit's slot (live-bandits.ts), with the random source
 * `createUserRandom(salt, key)`, so a user's draw is reproducible: the same user and the
 * same state give the same arm. Stickiness comes from the stored assignment (the exposure,
 * update-experiments.ts), which assignExperiment serves before ever getting here.
 */
import type { EvalInput } from '../conditions/condition.js';
import { chooseArm } from './bandits/choose-arm.js';
import { createUserRandom } from './bandits/user-random.js';
import type { CompiledBandit } from './compile-bandit-experiment.js';
import type { CompiledExperiment, CompiledVariant } from './experiment.js';

/** The arm chooseArm picks for this key, as the experiment's variant. */
export function banditVariant(
  experiment: CompiledExperiment,
  bandit: CompiledBandit,
  input: EvalInput,
  key: string,
): CompiledVariant {
  const segment = banditSegmentOf(bandit, input);
  const random = createUserRandom(experiment.definition.salt ?? experiment.id, key);
  const choice = chooseArm(bandit.slot.state, {
    random,
    ...(segment !== undefined && { segment }),
  });
  // The policy's arms are the variants' ids (compiled together): never undefined.
  return experiment.variantById.get(choice.arm) ?? experiment.control;
}

/**
 * With `per: segment`, the first listed segment the profile is in (its state's key);
 * undefined with `per: global` or when it is in none (the global state then).
 */
export function banditSegmentOf(bandit: CompiledBandit, input: EvalInput): string | undefined {
  for (const { id, condition } of bandit.segments) {
    try {
      if (condition.test(input)) return id;
    } catch {
      // A failing condition counts as not in the segment (assignment never throws).
    }
  }
  return undefined;
}
