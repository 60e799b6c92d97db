/**
 * The bandit's counts and their O(1) updates.
 *
 * Reward contract (docs/bandits.md#the-reward-contract): the engine calls `recordTrial` once
 * per exposure of a profile to an arm, and `recordReward` at most once per exposure, when the
 * chosen reward event arrives after that exposure, with the same arm and the same segment key
 * that the trial was recorded with. `recordReward` refuses a reward that would make an arm's
 * successes exceed its trials (returns false), so counts always describe Bernoulli trials.
 *
 * Updates allocate nothing, except the counts of a segment the first time it is seen.
 */
import type { ArmCounts, BanditPolicy, BanditState } from './bandit-types.js';

/** With `per: segment`, at most this many segments get their own counts; others use the global. */
export const MAX_BANDIT_SEGMENTS = 1000;

export function createArmCounts(arms: number): ArmCounts {
  return { trials: new Float64Array(arms), successes: new Float64Array(arms), totalTrials: 0 };
}

/** A state with no trials. */
export function createBanditState(policy: BanditPolicy): BanditState {
  return { policy, global: createArmCounts(policy.arms.length), segments: new Map() };
}

/** The segment's counts, created on first use (null with `per: global` or past MAX_BANDIT_SEGMENTS). */
function segmentCounts(state: BanditState, segment: string | undefined): ArmCounts | null {
  if (segment === undefined || state.policy.per !== 'segment') return null;
  let counts = state.segments.get(segment);
  if (counts === undefined) {
    if (state.segments.size >= MAX_BANDIT_SEGMENTS) return null;
    counts = createArmCounts(state.policy.arms.length);
    state.segments.set(segment, counts);
  }
  return counts;
}

/**
 * Counts one exposure of `arm` (globally, and in `segment` with `per: segment`).
 * Returns false, changing nothing, when `arm` is not one of the policy's arms.
 */
export function recordTrial(state: BanditState, arm: string, segment?: string): boolean {
  const index = state.policy.armIndex.get(arm);
  if (index === undefined) return false;
  const global = state.global;
  global.trials[index]! += 1;
  global.totalTrials += 1;
  const counts = segmentCounts(state, segment);
  if (counts !== null) {
    counts.trials[index]! += 1;
    counts.totalTrials += 1;
  }
  return true;
}

/**
 * Counts one reward of `arm`, attributed to an earlier exposure (see the contract above).
 * Returns false, changing nothing, for an unknown arm or an arm with as many successes as
 * trials. The segment's counts are updated when they have room for it.
 */
export function recordReward(state: BanditState, arm: string, segment?: string): boolean {
  const index = state.policy.armIndex.get(arm);
  if (index === undefined) return false;
  const global = state.global;
  if (global.successes[index]! >= global.trials[index]!) return false;
  global.successes[index]! += 1;
  if (segment !== undefined && state.policy.per === 'segment') {
    const counts = state.segments.get(segment);
    if (counts !== undefined && counts.successes[index]! < counts.trials[index]!) {
      counts.successes[index]! += 1;
    }
  }
  return true;
}

/**
 * The counts a choice for `segment` uses: the segment's once it has at least
 * `minSegmentTrials` trials, the global ones otherwise (and always with `per: global`).
 */
export function countsForChoice(
  state: BanditState,
  segment: string | undefined,
): { counts: ArmCounts; scope: 'global' | 'segment' } {
  if (segment !== undefined && state.policy.per === 'segment') {
    const counts = state.segments.get(segment);
    if (counts !== undefined && counts.totalTrials >= state.policy.minSegmentTrials) {
      return { counts, scope: 'segment' };
    }
  }
  return { counts: state.global, scope: 'global' };
}

function addCounts(target: ArmCounts, source: ArmCounts, map: Int32Array): void {
  for (let i = 0; i < map.length; i++) {
    const j = map[i]!;
    if (j < 0) continue;
    target.trials[j]! += source.trials[i]!;
    target.successes[j]! += source.successes[i]!;
    target.totalTrials += source.trials[i]!;
  }
}

/**
 * Adds `source`'s counts into `target`, arm by arm key (arms `target`'s policy does not have
 * are skipped), and returns `target`. Counts are sums, so merging is commutative and
 * associative with the empty state as identity, but not idempotent: in a cluster each node
 * counts only its own exposures and rewards, and the bandit's state is the merge of every
 * node's state, each taken once (a grow-only counter). docs/bandits.md#cluster-nodes.
 */
export function mergeBanditState(target: BanditState, source: BanditState): BanditState {
  const map = Int32Array.from(source.policy.arms, (arm) => target.policy.armIndex.get(arm) ?? -1);
  addCounts(target.global, source.global, map);
  if (target.policy.per === 'segment') {
    for (const [segment, counts] of source.segments) {
      const into = segmentCounts(target, segment);
      if (into !== null) addCounts(into, counts, map);
    }
  }
  return target;
}
