/**
 * Choosing an arm for a profile that has none yet (the engine keeps assignments sticky).
 *
 * With probability `explorationFloor` (ε) an arm is picked uniformly at random; otherwise by
 * Thompson sampling: one draw from each arm's posterior Beta(α₀ + successes, β₀ + failures),
 * and the arm with the highest draw wins. Each arm is therefore chosen with probability at
 * least ε/k in every round (k arms), whatever the counts say, so its expected share of new
 * assignments is at least ε/k.
 */
import type {
  ArmCounts,
  BanditChoice,
  BanditPolicy,
  BanditState,
  ChooseArmOptions,
  RandomSource,
} from './bandit-types.js';
import { countsForChoice } from './bandit-state.js';
import { sampleBeta } from './beta-sampler.js';

/** The index of the arm with the highest posterior draw (ties go to the lower index). */
export function thompsonIndex(
  policy: BanditPolicy,
  counts: ArmCounts,
  random: RandomSource,
): number {
  const { alpha, beta } = policy.prior;
  let best = 0;
  let bestDraw = -1;
  for (let i = 0; i < counts.trials.length; i++) {
    const successes = counts.successes[i]!;
    const draw = sampleBeta(alpha + successes, beta + counts.trials[i]! - successes, random);
    if (draw > bestDraw) {
      bestDraw = draw;
      best = i;
    }
  }
  return best;
}

/** Picks an arm for a new assignment: uniform with probability ε, Thompson sampling otherwise. */
export function chooseArm(state: BanditState, options: ChooseArmOptions): BanditChoice {
  const { policy } = state;
  const { random } = options;
  const { counts, scope } = countsForChoice(state, options.segment);
  const k = policy.arms.length;
  if (policy.explorationFloor > 0 && random() < policy.explorationFloor) {
    const index = Math.min(k - 1, Math.floor(random() * k));
    return { arm: policy.arms[index]!, index, reason: 'exploration', scope };
  }
  const index = thompsonIndex(policy, counts, random);
  return { arm: policy.arms[index]!, index, reason: 'thompson', scope };
}
