/**
 * Checks the statistics against spec/statistics/vectors.json: reference values computed
 * independently (SciPy, mpmath) by spec/statistics/generate-vectors.py. Each vector names its
 * source; the tolerance is the file's (|actual − expected| ≤ absolute + relative·|expected|).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import vectors from '../../../../../spec/statistics/vectors.json' with { type: 'json' };
import type { Moments } from './aggregates.js';
import { summarizeProportion } from './aggregates.js';
import { betaBinomialComparison, normalComparison } from './bayesian.js';
import { chiSquaredTest } from './chi-squared-test.js';
import {
  chiSquaredSurvival,
  normalTwoSidedP,
  studentTQuantile,
  studentTTwoSidedP,
} from './distributions.js';
import { adjustPValues } from './multiple-comparisons.js';
import { twoProportionTest } from './proportion-test.js';
import { checkSampleRatio } from './sample-ratio-mismatch.js';
import { fixedHorizonSampleSize } from './sample-size.js';
import { sequentialTest } from './sequential.js';
import { welchTTest } from './welch-t-test.js';

const { relative, absolute } = vectors.tolerance.default;

function close(actual: number | undefined, expected: number, label: string): void {
  assert.ok(typeof actual === 'number', `${label}: no value`);
  const allowed = absolute + relative * Math.abs(expected);
  assert.ok(
    Math.abs(actual - expected) <= allowed,
    `${label}: ${actual} differs from ${expected} by more than ${allowed}`,
  );
}

interface LiftExpectation {
  estimate: number;
  lower: number;
  upper: number;
}

function closeLift(
  actual: { estimate: number; interval: { lower: number; upper: number } },
  expected: LiftExpectation,
  label: string,
): void {
  close(actual.estimate, expected.estimate, `${label} estimate`);
  close(actual.interval.lower, expected.lower, `${label} lower`);
  close(actual.interval.upper, expected.upper, `${label} upper`);
}

const distributionFunctions: Record<string, (...args: number[]) => number> = {
  normalTwoSidedP: (z) => normalTwoSidedP(z ?? NaN),
  studentTTwoSidedP: (t, df) => studentTTwoSidedP(t ?? NaN, df ?? NaN),
  studentTQuantile: (p, df) => studentTQuantile(p ?? NaN, df ?? NaN),
  chiSquaredSurvival: (x, df) => chiSquaredSurvival(x ?? NaN, df ?? NaN),
};

describe('statistics reference vectors (spec/statistics/vectors.json)', () => {
  it('distribution functions match SciPy', () => {
    for (const row of vectors.distributions) {
      const fn = distributionFunctions[row.function];
      assert.ok(fn, row.function);
      close(fn(...row.args), row.expected, `${row.function}(${row.args.join(', ')})`);
    }
  });

  for (const v of vectors.twoProportion) {
    it(`two-proportion z-test: ${v.name}`, () => {
      const r = twoProportionTest(v.input.control, v.input.treatment, { alpha: v.input.alpha });
      assert.ok(r.ok);
      close(r.statistic, v.expected.statistic, 'z');
      close(r.pValue, v.expected.pValue, 'p');
      closeLift(r.absoluteLift, v.expected.absoluteLift, 'absolute');
      assert.ok(r.relativeLift.available);
      assert.equal(r.relativeLift.method, 'delta-log-ratio');
      closeLift(r.relativeLift, v.expected.relativeLift, 'relative');
    });
  }

  for (const v of vectors.chiSquared) {
    it(`chi-squared k×2: ${v.name}`, () => {
      const r = chiSquaredTest(v.input);
      assert.ok(r.ok);
      close(r.statistic, v.expected.statistic, 'χ²');
      assert.equal(r.df, v.expected.df);
      close(r.pValue, v.expected.pValue, 'p');
    });
  }

  for (const v of vectors.sampleRatio) {
    it(`sample-ratio mismatch: ${v.name}`, () => {
      const r = checkSampleRatio(v.input.users, v.input.weights, { threshold: v.input.threshold });
      assert.ok(r.checked);
      close(r.statistic, v.expected.statistic, 'χ²');
      assert.equal(r.df, v.expected.df);
      close(r.pValue, v.expected.pValue, 'p');
      assert.equal(r.mismatch, v.expected.mismatch);
    });
  }

  for (const v of vectors.welch) {
    it(`Welch's t-test: ${v.name}`, () => {
      const r = welchTTest(v.input.control, v.input.treatment, { alpha: v.input.alpha });
      assert.ok(r.ok);
      close(r.statistic, v.expected.statistic, 't');
      close(r.df, v.expected.df, 'df');
      close(r.pValue, v.expected.pValue, 'p');
      closeLift(r.absoluteLift, v.expected.absoluteLift, 'absolute');
      assert.ok(r.relativeLift.available);
      closeLift(r.relativeLift, v.expected.relativeLift, 'relative');
    });
  }

  for (const v of vectors.sequential) {
    it(`always-valid p-value and confidence sequence: ${v.name}`, () => {
      const moments = (side: 'control' | 'treatment'): Moments => {
        const data = v.input[side];
        if (typeof data.x === 'number') {
          const s = summarizeProportion({ n: data.n, x: data.x });
          assert.ok(s.ok && s.moments);
          return s.moments;
        }
        assert.ok(typeof data.mean === 'number' && typeof data.variance === 'number');
        return { n: data.n, mean: data.mean, variance: data.variance };
      };
      const r = sequentialTest(moments('control'), moments('treatment'), {
        alpha: v.input.alpha,
        plannedUsers: v.input.plannedUsers,
      });
      close(r.pValue, v.expected.pValue, 'always-valid p');
      closeLift(r.absoluteLift, v.expected.absoluteLift, 'confidence sequence');
    });
  }

  for (const v of vectors.betaBinomial) {
    it(`Beta-binomial P(T > C) and expected loss: ${v.name}`, () => {
      const r = betaBinomialComparison(v.input.control, v.input.treatment);
      assert.equal(r.method, 'beta-exact');
      close(r.probabilityTreatmentHigher, v.expected.probabilityTreatmentHigher, 'P(T > C)');
      close(r.expectedLossTreatment, v.expected.expectedLossTreatment, 'loss of T');
      close(r.expectedLossControl, v.expected.expectedLossControl, 'loss of C');
    });
  }

  for (const v of vectors.normalBayesian) {
    it(`normal P(T > C) and expected loss: ${v.name}`, () => {
      const r = normalComparison(v.input.difference, v.input.variance);
      close(r.probabilityTreatmentHigher, v.expected.probabilityTreatmentHigher, 'P(T > C)');
      close(r.expectedLossTreatment, v.expected.expectedLossTreatment, 'loss of T');
      close(r.expectedLossControl, v.expected.expectedLossControl, 'loss of C');
    });
  }

  for (const v of vectors.fixedHorizonSampleSize) {
    it(`fixed-horizon sample size: ${v.name}`, () => {
      const { power, ...input } = v.input;
      assert.deepEqual(fixedHorizonSampleSize(input, power), v.expected);
    });
  }

  for (const v of vectors.multipleComparisons) {
    it(`multiple comparisons: ${v.name}`, () => {
      const holm = adjustPValues(v.input.pValues, 'holm');
      const bonferroni = adjustPValues(v.input.pValues, 'bonferroni');
      v.expected.holm.forEach((p, i) => close(holm[i], p, `holm ${i}`));
      v.expected.bonferroni.forEach((p, i) => close(bonferroni[i], p, `bonferroni ${i}`));
      assert.deepEqual(
        holm.map((p) => p < v.input.alpha),
        v.expected.holmRejects,
      );
    });
  }
});
