/**
 * What "valid under continuous peeking" means, measured: in simulated A/A tests (no true
 * difference) looked at 50 times each, a fixed-horizon z-test called at every look declares
 * a difference far more often than α, while the mSPRT stays below α. Seeded, so the numbers
 * are the same on every run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from '../../clustering/seeded-random.js';
import { twoProportionTest } from './proportion-test.js';
import { sequentialTest } from './sequential.js';

interface Run {
  naive: boolean;
  sequential: boolean;
}

function simulate(rate: [number, number], random: () => number): Run {
  const counts = { nC: 0, xC: 0, nT: 0, xT: 0 };
  const run: Run = { naive: false, sequential: false };
  for (let look = 1; look <= 50; look++) {
    for (let i = 0; i < 100; i++) {
      counts.nC++;
      counts.nT++;
      if (random() < rate[0]) counts.xC++;
      if (random() < rate[1]) counts.xT++;
    }
    const fixed = twoProportionTest({ n: counts.nC, x: counts.xC }, { n: counts.nT, x: counts.xT });
    assert.ok(fixed.ok);
    if (fixed.pValue < 0.05) run.naive = true;
    const seq = sequentialTest(fixed.control, fixed.treatment, { plannedUsers: 10_000 });
    if (seq.pValue < 0.05) run.sequential = true;
  }
  return run;
}

describe('peeking', () => {
  it('A/A tests with 50 looks: the naive test is fooled, the mSPRT stays below α', () => {
    const random = createSeededRandom(7);
    const runs = Array.from({ length: 400 }, () => simulate([0.1, 0.1], random));
    const naive = runs.filter((r) => r.naive).length / runs.length;
    const sequential = runs.filter((r) => r.sequential).length / runs.length;
    // Expected about 0.2–0.3 for the naive test and at most 0.05 for the mSPRT.
    assert.ok(naive > 0.12, `naive false-positive rate ${naive}`);
    assert.ok(sequential <= 0.05, `sequential false-positive rate ${sequential}`);
  });

  it('a real +30 % lift is found by the mSPRT within the planned users', () => {
    const random = createSeededRandom(11);
    const runs = Array.from({ length: 100 }, () => simulate([0.1, 0.13], random));
    const found = runs.filter((r) => r.sequential).length / runs.length;
    assert.ok(found > 0.8, `sequential power ${found}`);
  });
});
