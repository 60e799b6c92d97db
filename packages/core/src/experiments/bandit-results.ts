/**
 * A bandit experiment's results (docs/bandits.md "Results"): per arm, the trials
 * (exposures), rewards, the posterior Beta(α, β) and its mean, the probability of being
 * the best arm (summarizeBandit) and its current traffic share: the probability that a
 * new user gets it now, ε/k + (1 − ε)·P(best) (the exploration floor's uniform pick, else
 * Thompson sampling, which picks each arm with its probability of being best). With
 * `per: segment`, the same per listed segment, its share from the counts its choices use
 * (its own from `minSegmentTrials` trials, the global ones before).
 */
import { createSeededRandom } from '../clustering/seeded-random.js';
import { countsForChoice } from './bandits/bandit-state.js';
import type {
  ArmCounts,
  BanditState,
  BanditSummary,
  RandomSource,
} from './bandits/bandit-types.js';
import { summarizeBandit } from './bandits/probability-best.js';
import type { CompiledExperiment } from './experiment.js';

export interface BanditArmResult {
  arm: string;
  trials: number;
  rewards: number;
  alpha: number;
  beta: number;
  /** Posterior mean of the reward rate. */
  mean: number;
  probabilityBest: number;
  /** Share of new users this arm gets now (expected). */
  share: number;
}

export interface BanditScopeResult {
  /** null: everyone (the global state). */
  segment: string | null;
  /** Whose counts choices for these users use now: the segment's own, or the global ones. */
  choosesBy: 'global' | 'segment';
  trials: number;
  arms: BanditArmResult[];
}

export interface BanditResults {
  reward: { event: string; withinMs: number | null };
  floor: number;
  per: 'global' | 'segment';
  prior: { alpha: number; beta: number };
  minSegmentTrials: number;
  draws: number;
  global: BanditScopeResult;
  segments: BanditScopeResult[];
}

export interface BanditResultsOptions {
  /** Monte Carlo draws of P(best); default 10 000. */
  draws?: number;
  /** Default: a fixed seed, so the same state gives the same report. */
  random?: RandomSource;
}

export function banditResults(
  experiment: CompiledExperiment,
  state: BanditState,
  options: BanditResultsOptions = {},
): BanditResults {
  const bandit = experiment.bandit!;
  const { policy } = state;
  const random = options.random ?? createSeededRandom(0x0b5e55ed);
  const draws = options.draws ?? 10_000;
  const global = summarizeBandit(state, { random, draws });
  const scope = (segment: string | null): BanditScopeResult => {
    const own = segment === null ? global : summarizeBandit(state, { random, draws, segment });
    const { counts, scope: choosesBy } = countsForChoice(state, segment ?? undefined);
    const chooser = choosesBy === 'global' ? global : own;
    return {
      segment,
      choosesBy,
      trials: trialsOf(segment === null ? counts : state.segments.get(segment)),
      arms: armsOf(own, chooser, policy.explorationFloor),
    };
  };
  return {
    reward: {
      event: bandit.reward.event as string,
      withinMs: Number.isFinite(bandit.reward.withinMs) ? bandit.reward.withinMs : null,
    },
    floor: policy.explorationFloor,
    per: policy.per,
    prior: { ...policy.prior },
    minSegmentTrials: policy.minSegmentTrials,
    draws: global.draws,
    global: scope(null),
    segments: bandit.segments.map(({ id }) => scope(id)),
  };
}

function armsOf(own: BanditSummary, chooser: BanditSummary, floor: number): BanditArmResult[] {
  const k = own.arms.length;
  return own.arms.map((arm, i) => ({
    arm: arm.arm,
    trials: arm.trials,
    rewards: arm.successes,
    alpha: arm.alpha,
    beta: arm.beta,
    mean: arm.mean,
    probabilityBest: arm.probabilityBest,
    share: floor / k + (1 - floor) * chooser.arms[i]!.probabilityBest,
  }));
}

const trialsOf = (counts: ArmCounts | undefined): number => counts?.totalTrials ?? 0;
