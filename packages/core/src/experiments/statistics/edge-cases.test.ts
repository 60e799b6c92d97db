import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeContinuous, summarizeProportion } from './aggregates.js';
import { betaBinomialComparison, normalComparison } from './bayesian.js';
import { chiSquaredGoodnessOfFit, chiSquaredTest } from './chi-squared-test.js';
import { twoProportionTest } from './proportion-test.js';
import { checkSampleRatio } from './sample-ratio-mismatch.js';
import { sequentialTest } from './sequential.js';
import { nonFinitePaths } from './finite.js';
import { welchTTest } from './welch-t-test.js';

describe('aggregates', () => {
  it('rejects impossible aggregates with the reason', () => {
    assert.deepEqual(summarizeProportion({ n: 10, x: 11 }), {
      ok: false,
      issue: 'conversions-exceed-users',
    });
    assert.deepEqual(summarizeProportion({ n: -1, x: 0 }), { ok: false, issue: 'negative-count' });
    assert.deepEqual(summarizeProportion({ n: 2.5, x: 1 }), { ok: false, issue: 'not-an-integer' });
    assert.deepEqual(summarizeProportion({ n: NaN, x: 1 }), { ok: false, issue: 'not-a-number' });
    const wrongType = { n: '10', x: 1 } as unknown as { n: number; x: number };
    assert.deepEqual(summarizeProportion(wrongType), { ok: false, issue: 'not-a-number' });
    assert.deepEqual(summarizeProportion(null as unknown as { n: number; x: number }), {
      ok: false,
      issue: 'not-a-number',
    });
    // Σx² < (Σx)²/n is impossible for real numbers.
    assert.deepEqual(summarizeContinuous({ n: 2, sum: 10, sumSq: 10 }), {
      ok: false,
      issue: 'inconsistent-sum-of-squares',
    });
    assert.deepEqual(summarizeContinuous({ n: 0, sum: 1, sumSq: 1 }), {
      ok: false,
      issue: 'inconsistent-sum-of-squares',
    });
    assert.deepEqual(summarizeContinuous({ n: 3, sum: Infinity, sumSq: 1 }), {
      ok: false,
      issue: 'not-a-number',
    });
  });

  it('gives no moments for an empty variant and clamps cancellation to zero variance', () => {
    assert.deepEqual(summarizeProportion({ n: 0, x: 0 }), { ok: true, moments: null });
    assert.deepEqual(summarizeContinuous({ n: 0, sum: 0, sumSq: 0 }), { ok: true, moments: null });
    // Three users with 0.1 each: sumSq − sum²/n is −1.4e-17 in floating point.
    const s = summarizeContinuous({ n: 3, sum: 0.1 + 0.1 + 0.1, sumSq: 0.01 + 0.01 + 0.01 });
    assert.ok(s.ok && s.moments);
    assert.equal(s.moments.variance, 0);
    const one = summarizeContinuous({ n: 1, sum: 5, sumSq: 25 });
    assert.deepEqual(one, { ok: true, moments: { n: 1, mean: 5, variance: 0 } });
  });
});

describe('two-proportion test at the edges', () => {
  it('reports a missing variant instead of a number', () => {
    assert.deepEqual(twoProportionTest({ n: 0, x: 0 }, { n: 10, x: 1 }), {
      ok: false,
      reason: 'no-control-data',
    });
    assert.deepEqual(twoProportionTest({ n: 10, x: 1 }, { n: 10, x: 20 }), {
      ok: false,
      reason: 'invalid-treatment',
      issue: 'conversions-exceed-users',
    });
  });

  it('no conversions anywhere: no difference, p = 1, relative lift undefined', () => {
    const r = twoProportionTest({ n: 100, x: 0 }, { n: 120, x: 0 });
    assert.ok(r.ok);
    assert.equal(r.statistic, 0);
    assert.equal(r.pValue, 1);
    assert.deepEqual(r.relativeLift, { available: false, reason: 'zero-control-mean' });
    assert.deepEqual(nonFinitePaths(r), []);
  });

  it('everyone converted in both: p = 1, zero-width intervals', () => {
    const r = twoProportionTest({ n: 50, x: 50 }, { n: 60, x: 60 });
    assert.ok(r.ok);
    assert.equal(r.pValue, 1);
    assert.deepEqual(r.absoluteLift.interval, { lower: 0, upper: 0 });
    assert.ok(r.relativeLift.available);
    assert.deepEqual(r.relativeLift.interval, { lower: 0, upper: 0 });
  });

  it('treatment without conversions: the relative lift falls back to the ratio delta method', () => {
    const r = twoProportionTest({ n: 200, x: 20 }, { n: 200, x: 0 });
    assert.ok(r.ok && r.relativeLift.available);
    assert.equal(r.relativeLift.method, 'delta-ratio');
    assert.equal(r.relativeLift.estimate, -1);
    assert.ok(r.pValue < 1e-4);
  });

  it('one conversion among millions: the interval stays finite', () => {
    const r = twoProportionTest({ n: 1, x: 1 }, { n: 5_000_000, x: 1 });
    assert.ok(r.ok);
    assert.deepEqual(nonFinitePaths(r), []);
  });
});

describe("Welch's test at the edges", () => {
  it('needs two users per variant', () => {
    assert.deepEqual(welchTTest({ n: 1, sum: 3, sumSq: 9 }, { n: 5, sum: 10, sumSq: 30 }), {
      ok: false,
      reason: 'too-few-users',
    });
  });

  it('zero variance: equal means give p = 1, different means are reported', () => {
    const same = welchTTest({ n: 4, sum: 8, sumSq: 16 }, { n: 3, sum: 6, sumSq: 12 });
    assert.ok(same.ok);
    assert.equal(same.pValue, 1);
    assert.deepEqual(nonFinitePaths(same), []);
    assert.deepEqual(welchTTest({ n: 4, sum: 8, sumSq: 16 }, { n: 3, sum: 9, sumSq: 27 }), {
      ok: false,
      reason: 'zero-variance',
    });
  });

  it('one variance zero: the other gives the degrees of freedom (n − 1)', () => {
    const r = welchTTest({ n: 4, sum: 8, sumSq: 16 }, { n: 6, sum: 18, sumSq: 64 });
    assert.ok(r.ok);
    assert.ok(Math.abs(r.df - 5) < 1e-12);
  });
});

describe('chi-squared and SRM at the edges', () => {
  it('leaves out empty variants and needs two groups', () => {
    assert.deepEqual(chiSquaredTest([{ n: 10, x: 2 }]), {
      ok: false,
      reason: 'fewer-than-two-groups',
    });
    const r = chiSquaredTest([
      { n: 10, x: 2 },
      { n: 0, x: 0 },
      { n: 12, x: 6 },
    ]);
    assert.ok(r.ok);
    assert.equal(r.df, 1);
    assert.deepEqual(
      chiSquaredTest([
        { n: 10, x: 2 },
        { n: 1, x: 3 },
      ]),
      {
        ok: false,
        reason: 'invalid-data',
        index: 1,
        issue: 'conversions-exceed-users',
      },
    );
  });

  it('SRM: no users, one variant, bad counts, and users in a variant weighted 0', () => {
    assert.deepEqual(checkSampleRatio([0, 0], [1, 1]), { checked: false, reason: 'no-users' });
    assert.deepEqual(checkSampleRatio([10], [1]), { checked: false, reason: 'one-variant' });
    assert.deepEqual(checkSampleRatio([10, -1], [1, 1]), {
      checked: false,
      reason: 'invalid-data',
    });
    assert.deepEqual(checkSampleRatio([10, 5], [1]), { checked: false, reason: 'invalid-data' });
    const impossible = checkSampleRatio([100, 3], [1, 0]);
    assert.ok(impossible.checked);
    assert.equal(impossible.mismatch, true);
    assert.equal(impossible.pValue, 0);
    const fine = chiSquaredGoodnessOfFit([100, 0, 98], [1, 0, 1]);
    assert.ok(fine.ok);
    assert.equal(fine.df, 1);
  });
});

describe('sequential and Bayesian at the edges', () => {
  it('zero variance and no difference: p = 1; a certain difference: p = 0', () => {
    const m = { n: 100, mean: 0, variance: 0 };
    assert.equal(sequentialTest(m, m).pValue, 1);
    const r = sequentialTest(m, { n: 100, mean: 1, variance: 0 });
    assert.equal(r.pValue, 0);
    assert.deepEqual(nonFinitePaths(r), []);
  });

  it('the Beta comparison is exact with no data (uniform priors) and symmetric', () => {
    const r = betaBinomialComparison({ n: 0, x: 0 }, { n: 0, x: 0 });
    assert.ok(Math.abs(r.probabilityTreatmentHigher - 0.5) < 1e-12);
    assert.ok(Math.abs(r.expectedLossTreatment - 1 / 6) < 1e-12);
  });

  it('falls back to the normal approximation for huge counts, still accurate', () => {
    const big = betaBinomialComparison({ n: 4_000_000, x: 400_000 }, { n: 4_000_000, x: 401_000 });
    assert.equal(big.method, 'normal-approximation');
    const exact = betaBinomialComparison({ n: 400_000, x: 40_000 }, { n: 400_000, x: 40_100 });
    assert.equal(exact.method, 'beta-exact');
    // The same z-score by the normal approximation (the counts are 10× smaller).
    const approx = normalComparison(
      40_101 / 400_002 - 40_001 / 400_002,
      2 * ((40_001 * 359_901) / (400_002 ** 2 * 400_003)),
    );
    assert.ok(
      Math.abs(exact.probabilityTreatmentHigher - approx.probabilityTreatmentHigher) < 1e-3,
    );
  });

  it('a zero-variance normal comparison is certain', () => {
    assert.deepEqual(normalComparison(0.5, 0), {
      method: 'normal-approximation',
      probabilityTreatmentHigher: 1,
      expectedLossTreatment: 0,
      expectedLossControl: 0.5,
    });
  });
});

describe('sample ratio at the edges', () => {
  it('refuses user counts whose total is past the largest number instead of expecting infinity', () => {
    // Found by the analysis property (fast-check seed -2058250381): each count is finite,
    // their sum is not.
    const huge = checkSampleRatio([1.696464263104512e293, 1.7976931348623141e308, 0], [1, 1, 1]);
    assert.deepEqual(huge, { checked: false, reason: 'invalid-data' });
    assert.deepEqual(nonFinitePaths(huge), []);
    const large = checkSampleRatio([2 ** 52, 2 ** 52 + 2], [1, 1]);
    assert.equal(large.checked, true);
    assert.deepEqual(nonFinitePaths(large), []);
  });
});
