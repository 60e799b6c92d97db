import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../clustering/seeded-random.js';
import { probabilityBetaGreater } from '../statistics/bayesian.js';
import { compileBanditPolicy } from './bandit-settings.js';
import { createBanditState, mergeBanditState, recordReward, recordTrial } from './bandit-state.js';
import type { BanditPolicy, BanditSettings, BanditState } from './bandit-types.js';
import { chooseArm } from './choose-arm.js';
import { summarizeBandit } from './probability-best.js';
import { createUserRandom } from './user-random.js';

function policyOf(settings: BanditSettings): BanditPolicy {
  const result = compileBanditPolicy(settings);
  assert.ok(result.ok);
  return result.policy;
}

/** Records `trials` exposures and `successes` rewards of `arm`. */
function feed(
  state: BanditState,
  arm: string,
  trials: number,
  successes: number,
  segment?: string,
): void {
  for (let i = 0; i < trials; i++) recordTrial(state, arm, segment);
  for (let i = 0; i < successes; i++) recordReward(state, arm, segment);
}

function shares(
  state: BanditState,
  rounds: number,
  seed: number,
  segment?: string,
): Map<string, number> {
  const random = createSeededRandom(seed);
  const picks = new Map<string, number>();
  for (let i = 0; i < rounds; i++) {
    const { arm } = chooseArm(state, { random, segment });
    picks.set(arm, (picks.get(arm) ?? 0) + 1);
  }
  for (const [arm, count] of picks) picks.set(arm, count / rounds);
  return picks;
}

describe('chooseArm', () => {
  it('with no data and no floor, Thompson sampling picks each arm equally often', () => {
    const state = createBanditState(policyOf({ arms: ['a', 'b', 'c', 'd'], explorationFloor: 0 }));
    for (const share of shares(state, 40_000, 1).values()) assert.ok(Math.abs(share - 0.25) < 0.01);
  });

  it('with strong evidence and no floor, it picks the best arm; with a floor each arm keeps ≥ floor/k', () => {
    const settings = { arms: ['a', 'b', 'c'], explorationFloor: 0 };
    const state = createBanditState(policyOf(settings));
    feed(state, 'a', 10_000, 400);
    feed(state, 'b', 10_000, 500);
    feed(state, 'c', 10_000, 700);
    assert.equal(shares(state, 5000, 2).get('c'), 1);
    const floored = createBanditState(policyOf({ ...settings, explorationFloor: 0.3 }));
    mergeBanditState(floored, state);
    const picked = shares(floored, 30_000, 3);
    // Expected: a and b 0.1 each (0.3 / 3), c 0.8; binomial sd ≈ 0.0017.
    for (const arm of ['a', 'b']) assert.ok(Math.abs(picked.get(arm)! - 0.1) < 0.01, arm);
    assert.ok(Math.abs(picked.get('c')! - 0.8) < 0.01);
  });

  it('explains each choice: the exploration reason and the scope of the counts used', () => {
    const state = createBanditState(
      policyOf({ arms: ['a', 'b'], explorationFloor: 1, per: 'segment', minSegmentTrials: 1 }),
    );
    const random = createSeededRandom(4);
    assert.deepEqual(
      { ...chooseArm(state, { random, segment: 'vip' }), arm: null, index: null },
      { arm: null, index: null, reason: 'exploration', scope: 'global' },
    );
    feed(state, 'a', 1, 0, 'vip');
    const choice = chooseArm(state, { random, segment: 'vip' });
    assert.equal(choice.scope, 'segment');
    assert.equal(choice.arm, state.policy.arms[choice.index]);
  });

  it('per segment: each segment converges to its own best arm; a thin segment follows the global one', () => {
    const state = createBanditState(
      policyOf({ arms: ['a', 'b'], explorationFloor: 0, per: 'segment', minSegmentTrials: 100 }),
    );
    feed(state, 'a', 2000, 200, 'admins');
    feed(state, 'b', 2000, 20, 'admins');
    feed(state, 'a', 2000, 20, 'viewers');
    feed(state, 'b', 2000, 200, 'viewers');
    feed(state, 'a', 3000, 300); // global only: a is best overall
    feed(state, 'b', 3000, 30);
    feed(state, 'b', 50, 50, 'new'); // 50 trials: below minSegmentTrials
    assert.equal(shares(state, 1000, 5, 'admins').get('a'), 1);
    assert.equal(shares(state, 1000, 6, 'viewers').get('b'), 1);
    assert.equal(shares(state, 1000, 7, 'new').get('a'), 1);
    assert.equal(shares(state, 1000, 8, 'unknown').get('a'), 1);
  });

  it('the same random source gives the same arm; createUserRandom is reproducible per user', () => {
    const state = createBanditState(policyOf({ arms: ['a', 'b', 'c'] }));
    feed(state, 'a', 50, 3);
    const arms = (user: string) =>
      Array.from(
        { length: 5 },
        () => chooseArm(state, { random: createUserRandom('exp', user) }).arm,
      );
    assert.deepEqual(arms('u1'), arms('u1'));
    const users = Array.from({ length: 300 }, (_, i) => arms(`user-${i}`)[0]);
    assert.equal(new Set(users).size, 3, 'different users get different arms');
    const [r1, r2] = [createUserRandom('ab', 'c'), createUserRandom('a', 'bc')];
    assert.notEqual(r1(), r2());
  });
});

describe('summarizeBandit', () => {
  it('reports posteriors, and P(best) agrees with the exact two-arm probability', () => {
    const state = createBanditState(policyOf({ arms: ['control', 'new'] }));
    feed(state, 'control', 400, 20);
    feed(state, 'new', 400, 30);
    const summary = summarizeBandit(state, { random: createSeededRandom(1), draws: 40_000 });
    const [control, treatment] = summary.arms;
    assert.deepEqual(
      { ...control, probabilityBest: null },
      {
        arm: 'control',
        trials: 400,
        successes: 20,
        alpha: 21,
        beta: 381,
        mean: 21 / 402,
        probabilityBest: null,
      },
    );
    const exact = probabilityBetaGreater(21, 381, 31, 371)!;
    const se = Math.sqrt((exact * (1 - exact)) / 40_000);
    assert.ok(
      Math.abs(treatment!.probabilityBest - exact) < 4 * se,
      `${treatment!.probabilityBest} vs ${exact}`,
    );
    assert.equal(control!.probabilityBest + treatment!.probabilityBest, 1);
  });

  it('is reproducible with a seeded source, clamps draws, and summarizes one segment', () => {
    const state = createBanditState(policyOf({ arms: ['a', 'b', 'c'], per: 'segment' }));
    feed(state, 'b', 30, 9, 'vip');
    const run = () => summarizeBandit(state, { random: createSeededRandom(7), draws: 500 });
    assert.deepEqual(run(), run());
    assert.equal(summarizeBandit(state, { random: Math.random, draws: 0 }).draws, 1);
    assert.equal(summarizeBandit(state, { random: Math.random, draws: Number.NaN }).draws, 1);
    assert.equal(summarizeBandit(state, { random: Math.random, draws: 1e12 }).draws, 1_000_000);
    const vip = summarizeBandit(state, { random: createSeededRandom(1), segment: 'vip' });
    assert.equal(vip.scope, 'segment');
    assert.equal(vip.segment, 'vip');
    assert.deepEqual(
      vip.arms.map((arm) => arm.trials),
      [0, 30, 0],
    );
    const unseen = summarizeBandit(state, { random: createSeededRandom(1), segment: 'nobody' });
    assert.deepEqual(
      unseen.arms.map((arm) => arm.trials),
      [0, 0, 0],
    );
  });
});
