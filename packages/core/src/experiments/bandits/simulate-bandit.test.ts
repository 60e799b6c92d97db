/**
 * The acceptance test: against Bernoulli arms with rates 4 %, 5 % and 7 %, over 20 000
 * rounds and several seeds, Thompson sampling with the default exploration floor (ε = 0.1)
 * concentrates traffic on the best arm, keeps every arm at ≥ ε/k of traffic, and its regret
 * grows sub-linearly apart from the floor's own linear cost, ε · mean gap per round, while
 * uniform allocation's regret grows linearly. Figures: docs/bandits.md#simulation.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../clustering/seeded-random.js';
import { compileBanditPolicy } from './bandit-settings.js';
import type { BanditPolicy } from './bandit-types.js';
import { simulateBandit, type BanditSimulation } from './simulate-bandit.js';

const RATES = [0.04, 0.05, 0.07];
const ROUNDS = 20_000;
const SEEDS = [1, 2, 3, 4, 5];
/** Mean gap to the best arm over the arms: what one uniformly chosen round costs. */
const MEAN_GAP = (0.03 + 0.02 + 0) / 3;

function policy(explorationFloor: number): BanditPolicy {
  const result = compileBanditPolicy({ arms: ['a', 'b', 'c'], explorationFloor });
  assert.ok(result.ok);
  return result.policy;
}

function run(
  seed: number,
  floor: number,
  allocation: 'bandit' | 'uniform' = 'bandit',
  rewardDelay = 0,
): BanditSimulation {
  return simulateBandit({
    policy: policy(floor),
    rates: RATES,
    rounds: ROUNDS,
    random: createSeededRandom(seed),
    environment: createSeededRandom(seed * 7919 + 1),
    allocation,
    rewardDelay,
  });
}

const share = (choices: Int32Array, arm: number): number =>
  choices.reduce((n, choice) => n + (choice === arm ? 1 : 0), 0) / choices.length;
/** Regret of rounds [from, to). */
const regret = (r: BanditSimulation, from: number, to: number): number =>
  r.cumulativeRegret[to - 1]! - (from === 0 ? 0 : r.cumulativeRegret[from - 1]!);

describe('bandit simulation (rates 4 %, 5 %, 7 %; 20 000 rounds)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: traffic concentrates on the best arm, every arm keeps its floor, regret is sub-linear`, () => {
      const floor = 0.1;
      const r = run(seed, floor);
      const uniform = run(seed, floor, 'uniform');
      assert.ok(
        share(r.choices.subarray(15_000), 2) > 0.85,
        'best arm > 85 % of the last 5 000 rounds',
      );
      for (let arm = 0; arm < 3; arm++) {
        assert.ok(share(r.choices, arm) >= floor / 3, `arm ${arm} keeps ≥ ε/k of traffic`);
        // Exploration picks alone: Binomial(20 000, ε/k), mean 666.7, sd 25.4.
        assert.ok(Math.abs(r.explorationPicks[arm]! - (ROUNDS * floor) / 3) < 4 * 25.4);
      }
      const [first, second] = [regret(r, 0, 10_000), regret(r, 10_000, 20_000)];
      assert.ok(second < 0.85 * first, `regret [10k, 20k) ${second} vs [0, 10k) ${first}`);
      const perRound = [5_000, 10_000, 20_000].map((t) => regret(r, 0, t) / t);
      assert.ok(perRound[0]! > perRound[1]! && perRound[1]! > perRound[2]!, `regret/T ${perRound}`);
      // Without the floor's linear cost (ε · mean gap per round) the rest nearly stops growing.
      const floorCost = floor * MEAN_GAP * 10_000;
      assert.ok(second - floorCost < 0.5 * (first - floorCost), 'regret beyond the floor');
      // Uniform allocation: linear regret, mean gap per round, 4× the bandit's or more.
      const [uFirst, uSecond] = [regret(uniform, 0, 10_000), regret(uniform, 10_000, 20_000)];
      assert.ok(Math.abs(uSecond / uFirst - 1) < 0.1, `uniform ${uFirst}, ${uSecond}`);
      assert.ok(Math.abs(regret(uniform, 0, ROUNDS) / ROUNDS - MEAN_GAP) < 0.001);
      const [total, uTotal] = [regret(r, 0, ROUNDS), regret(uniform, 0, ROUNDS)];
      assert.ok(total < uTotal / 4, `bandit ${total} vs uniform ${uTotal}`);
    });
  }

  it('without a floor, regret of the second 10 000 rounds is under half that of the first', () => {
    for (const seed of SEEDS) {
      const r = run(seed, 0);
      assert.ok(regret(r, 10_000, 20_000) < 0.5 * regret(r, 0, 10_000), `seed ${seed}`);
      assert.ok(share(r.choices.subarray(15_000), 2) > 0.9);
    }
  });

  it('rewards arriving 500 rounds after their exposure still concentrate traffic on the best arm', () => {
    for (const seed of SEEDS) {
      const r = run(seed, 0.1, 'bandit', 500);
      assert.ok(share(r.choices.subarray(15_000), 2) > 0.85, `seed ${seed}`);
      assert.ok(regret(r, 10_000, 20_000) < 0.85 * regret(r, 0, 10_000));
    }
  });

  it('is reproducible: the same seeds give the same run', () => {
    assert.deepEqual(run(9, 0.1).choices, run(9, 0.1).choices);
  });
});
