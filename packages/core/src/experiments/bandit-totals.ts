/**
 * A bandit's state from its committed per-variant totals (decision 0027): an arm's trials
 * are its exposed users, its rewards the sum of the `$reward` conversion; with
 * `per: segment`, a segment's trials and rewards are the sums of the `$segment:<key>` and
 * `$reward:<key>` markers (bandit-evidence.ts). The totals are a function of the committed
 * profiles, so this state is too: rebuilt after a restart or a replay it counts every
 * exposure and reward once (docs/decisions/0028-bandit-state.md).
 */
import {
  BANDIT_REWARD_METRIC,
  BANDIT_SEGMENT_PREFIX,
  BANDIT_SEGMENT_REWARD_PREFIX,
} from './bandit-experiment-schema.js';
import { createArmCounts, createBanditState, MAX_BANDIT_SEGMENTS } from './bandits/bandit-state.js';
import type { ArmCounts, BanditPolicy, BanditState } from './bandits/bandit-types.js';
import type { ExperimentTotals, VariantTotals } from './experiment-totals.js';

/** Variants that are not arms of `policy` (removed from config) are left out. */
export function banditStateFromTotals(policy: BanditPolicy, totals: ExperimentTotals): BanditState {
  const state = createBanditState(policy);
  for (const [variant, held] of totals) {
    const index = policy.armIndex.get(variant);
    if (index === undefined) continue;
    const trials = count(held.users);
    setCounts(state.global, index, trials, sumOf(held, BANDIT_REWARD_METRIC));
    if (policy.per !== 'segment') continue;
    for (const metric in held.metrics) {
      if (!Object.hasOwn(held.metrics, metric) || !metric.startsWith(BANDIT_SEGMENT_PREFIX)) {
        continue;
      }
      const segment = metric.slice(BANDIT_SEGMENT_PREFIX.length);
      const counts = segmentCounts(state, segment);
      if (counts === undefined) continue;
      const rewards = sumOf(held, BANDIT_SEGMENT_REWARD_PREFIX + segment);
      setCounts(counts, index, sumOf(held, metric), rewards);
    }
  }
  return state;
}

function setCounts(counts: ArmCounts, index: number, trials: number, rewards: number): void {
  counts.totalTrials += trials - counts.trials[index]!;
  counts.trials[index] = trials;
  // A Bernoulli count: never more rewards than trials (totals of 0/1 values, rounded).
  counts.successes[index] = Math.min(trials, rewards);
}

function segmentCounts(state: BanditState, segment: string): ArmCounts | undefined {
  let counts = state.segments.get(segment);
  if (counts === undefined) {
    if (state.segments.size >= MAX_BANDIT_SEGMENTS) return undefined;
    counts = createArmCounts(state.policy.arms.length);
    state.segments.set(segment, counts);
  }
  return counts;
}

function sumOf(held: VariantTotals, metric: string): number {
  return Object.hasOwn(held.metrics, metric) ? count(held.metrics[metric]!.sum) : 0;
}

/** Sums of 0/1 values kept in floating point: the nearest count, never negative. */
const count = (value: number): number => Math.max(0, Math.round(value));
