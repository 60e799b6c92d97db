/**
 * A seeded simulation of the bandit against Bernoulli arms with known rates, for the
 * simulation tests and the figures in docs/bandits.md. Each round one new user arrives, gets
 * an arm (by the bandit, or uniformly at random as the baseline), is exposed (a trial) and
 * converts with the arm's true rate (a reward, recorded `rewardDelay` rounds later, as
 * rewards arrive after exposures in the event stream).
 *
 * Regret is the expected (pseudo-)regret: Σ over rounds of (best rate − chosen arm's rate).
 */
import type { BanditPolicy, RandomSource } from './bandit-types.js';
import { createBanditState, recordReward, recordTrial } from './bandit-state.js';
import { chooseArm } from './choose-arm.js';

export interface SimulateBanditOptions {
  policy: BanditPolicy;
  /** True conversion rate of each arm, in the order of `policy.arms`. */
  rates: readonly number[];
  rounds: number;
  /** Drives the bandit's draws. */
  random: RandomSource;
  /** Drives the users' conversions (separate, so both allocators see the same users). */
  environment: RandomSource;
  /** `uniform` ignores the counts and picks uniformly: the baseline with linear regret. */
  allocation?: 'bandit' | 'uniform';
  /** Rounds between an exposure and its reward; default 0. */
  rewardDelay?: number;
}

export interface BanditSimulation {
  /** The arm index chosen in each round. */
  choices: Int32Array;
  /** cumulativeRegret[t] = regret of rounds 0 … t. */
  cumulativeRegret: Float64Array;
  /** Per arm: how many rounds picked it by the exploration floor. */
  explorationPicks: number[];
  /** Per arm: conversions observed. */
  rewards: number[];
}

export function simulateBandit(options: SimulateBanditOptions): BanditSimulation {
  const { policy, rates, rounds, random, environment } = options;
  const state = createBanditState(policy);
  const k = policy.arms.length;
  const best = Math.max(...rates);
  const delay = Math.max(0, options.rewardDelay ?? 0);
  // pending[t % delay]: the arm whose reward from round t − delay is due now, or −1.
  const pending = new Int32Array(Math.max(1, delay)).fill(-1);
  const result: BanditSimulation = {
    choices: new Int32Array(rounds),
    cumulativeRegret: new Float64Array(rounds),
    explorationPicks: new Array<number>(k).fill(0),
    rewards: new Array<number>(k).fill(0),
  };
  let regret = 0;
  for (let t = 0; t < rounds; t++) {
    let index: number;
    if (options.allocation === 'uniform') index = Math.min(k - 1, Math.floor(random() * k));
    else {
      const choice = chooseArm(state, { random });
      index = choice.index;
      if (choice.reason === 'exploration') result.explorationPicks[index]! += 1;
    }
    recordTrial(state, policy.arms[index]!);
    result.choices[t] = index;
    regret += best - rates[index]!;
    result.cumulativeRegret[t] = regret;
    const converted = environment() < rates[index]!;
    if (converted) result.rewards[index]! += 1;
    if (delay === 0) {
      if (converted) recordReward(state, policy.arms[index]!);
      continue;
    }
    const slot = t % delay;
    const due = pending[slot]!;
    if (due >= 0) recordReward(state, policy.arms[due]!);
    pending[slot] = converted ? index : -1;
  }
  return result;
}
