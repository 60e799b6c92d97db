/**
 * The types of the Thompson-sampling bandit (docs/bandits.md), the experiment kind `bandit`.
 *
 * How the experiments engine uses them:
 *
 *   const compiled = compileBanditPolicy(settings);          // once, when config is published
 *   const state = createBanditState(compiled.policy);        // or parseBanditState(policy, json)
 *   // a new user (no stored assignment) asks for a variant:
 *   const choice = chooseArm(state, { random, segment });    // store choice.arm (and segment)
 *   // the user is exposed to the variant:
 *   recordTrial(state, choice.arm, segment);
 *   // the reward event arrives after the exposure (at most once per exposure):
 *   recordReward(state, choice.arm, segment);
 *   // persistence and reporting:
 *   serializeBanditState(state); summarizeBandit(state, { segment });
 *
 * The state is plain mutable data owned by one writer (the processor of the experiment);
 * every function here is pure apart from mutating the state it is given.
 */

/** A source of uniform numbers in [0, 1): Math.random, or a seeded generator in tests. */
export type RandomSource = () => number;

/** The prior of every arm's success rate: Beta(alpha, beta); Beta(1, 1) is uniform. */
export interface BetaPrior {
  readonly alpha: number;
  readonly beta: number;
}

/** One state for everyone, or one state per segment (with the global one as fallback). */
export const banditScopes = ['global', 'segment'] as const;
export type BanditScope = (typeof banditScopes)[number];

/** The bandit settings of an experiment, as written in config (see bandit-settings.ts). */
export interface BanditSettings {
  /** The arms: the experiment's variant keys, 2 to 50, distinct. */
  arms: string[];
  /** Beta prior of each arm; default Beta(1, 1). */
  prior?: { alpha: number; beta: number };
  /** Probability of choosing uniformly at random instead of by Thompson sampling; default 0.1. */
  explorationFloor?: number;
  /** `segment`: one state per segment key, as the engine passes it; default `global`. */
  per?: BanditScope;
  /** Below this many trials a segment's state defers to the global one; default 100. */
  minSegmentTrials?: number;
}

/** Settings checked and completed with defaults; frozen, shared by every state of the bandit. */
export interface BanditPolicy {
  readonly arms: readonly string[];
  /** Arm key → index into the count arrays. */
  readonly armIndex: ReadonlyMap<string, number>;
  readonly prior: BetaPrior;
  readonly explorationFloor: number;
  readonly per: BanditScope;
  readonly minSegmentTrials: number;
}

/** Counts of one scope (global or one segment), indexed like `policy.arms`. */
export interface ArmCounts {
  /** Exposures per arm. */
  readonly trials: Float64Array;
  /** Reward events attributed to an exposure, per arm; successes[i] ≤ trials[i]. */
  readonly successes: Float64Array;
  /** Sum of `trials` (kept so the segment fallback check is O(1)). */
  totalTrials: number;
}

/** A bandit's live state: the global counts and, with `per: segment`, counts per segment. */
export interface BanditState {
  readonly policy: BanditPolicy;
  readonly global: ArmCounts;
  readonly segments: Map<string, ArmCounts>;
}

/** Why an arm was chosen. */
export const banditChoiceReasons = ['thompson', 'exploration'] as const;
export type BanditChoiceReason = (typeof banditChoiceReasons)[number];

export interface BanditChoice {
  arm: string;
  index: number;
  reason: BanditChoiceReason;
  /** Which counts the posterior came from: the segment's, or the global ones (fallback). */
  scope: BanditScope;
}

export interface ChooseArmOptions {
  random: RandomSource;
  /** The segment key of the profile (with `per: segment`); ignored with `per: global`. */
  segment?: string;
}

/** A problem in settings or persisted state, naming the field at fault. */
export interface BanditIssue {
  path: string;
  message: string;
}

/** Reporting: one arm's counts, posterior and probability of being the best arm. */
export interface ArmSummary {
  arm: string;
  trials: number;
  successes: number;
  /** Posterior Beta(alpha, beta) = Beta(prior.alpha + successes, prior.beta + failures). */
  alpha: number;
  beta: number;
  /** Posterior mean alpha / (alpha + beta). */
  mean: number;
  /** P(this arm's rate is the highest), Monte Carlo over `draws` joint posterior draws. */
  probabilityBest: number;
}

export interface BanditSummary {
  scope: BanditScope;
  segment: string | null;
  draws: number;
  arms: ArmSummary[];
}

/** The persisted form: counts keyed by arm (and segment), so arms can be added or removed. */
export interface BanditStateJson {
  version: 1;
  global: Record<string, ArmCountJson>;
  segments: Record<string, Record<string, ArmCountJson>>;
}

export interface ArmCountJson {
  trials: number;
  successes: number;
}
