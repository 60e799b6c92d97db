import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ContinuousAggregate, ProportionAggregate } from './aggregates.js';
import { analyzeExperiment } from './analyze-experiment.js';
import { betaBinomialComparison } from './bayesian.js';
import { adjustPValues } from './multiple-comparisons.js';
import { twoProportionTest } from './proportion-test.js';
import { sequentialTest } from './sequential.js';
import { nonFinitePaths } from './finite.js';
import { welchTTest } from './welch-t-test.js';

const proportion: fc.Arbitrary<ProportionAggregate> = fc
  .integer({ min: 1, max: 50_000 })
  .chain((n) => fc.record({ n: fc.constant(n), x: fc.integer({ min: 0, max: n }) }));

/** A consistent continuous aggregate: the sums of a few values, scaled up. */
const continuous: fc.Arbitrary<ContinuousAggregate> = fc
  .array(fc.double({ min: -1000, max: 1000, noNaN: true }), { minLength: 2, maxLength: 30 })
  .map((values) => ({
    n: values.length,
    sum: values.reduce((s, v) => s + v, 0),
    sumSq: values.reduce((s, v) => s + v * v, 0),
  }));

const inUnit = (p: number): boolean => p >= 0 && p <= 1;
const contains = (i: { lower: number; upper: number }, x: number): boolean =>
  i.lower <= x + 1e-12 * Math.max(1, Math.abs(x)) &&
  x - 1e-12 * Math.max(1, Math.abs(x)) <= i.upper;

describe('statistics properties', () => {
  it('two-proportion test: p in [0, 1], intervals contain the estimates, swapping negates', () => {
    fc.assert(
      fc.property(proportion, proportion, (c, t) => {
        const r = twoProportionTest(c, t);
        const s = twoProportionTest(t, c);
        assert.ok(r.ok && s.ok);
        assert.ok(inUnit(r.pValue));
        assert.ok(contains(r.absoluteLift.interval, r.absoluteLift.estimate));
        if (r.relativeLift.available) {
          assert.ok(contains(r.relativeLift.interval, r.relativeLift.estimate));
        }
        assert.ok(Math.abs(r.statistic + s.statistic) < 1e-9);
        assert.ok(Math.abs(r.pValue - s.pValue) < 1e-12);
        assert.deepEqual(nonFinitePaths(r), []);
      }),
    );
  });

  it("Welch's test: p in [0, 1], interval contains the estimate, swapping negates", () => {
    fc.assert(
      fc.property(continuous, continuous, (c, t) => {
        const r = welchTTest(c, t);
        const s = welchTTest(t, c);
        if (!r.ok || !s.ok) {
          assert.equal(r.ok, s.ok);
          return;
        }
        assert.ok(inUnit(r.pValue));
        assert.ok(contains(r.absoluteLift.interval, r.absoluteLift.estimate));
        assert.ok(Math.abs(r.statistic + s.statistic) < 1e-9 * Math.max(1, Math.abs(r.statistic)));
        assert.ok(Math.abs(r.pValue - s.pValue) < 1e-9);
        assert.deepEqual(nonFinitePaths(r), []);
      }),
    );
  });

  it('sequential: p in [0, 1], never below the fixed-horizon p; the sequence contains the interval', () => {
    fc.assert(
      fc.property(
        proportion,
        proportion,
        fc.integer({ min: 100, max: 1_000_000 }),
        (c, t, planned) => {
          const fixed = twoProportionTest(c, t);
          assert.ok(fixed.ok);
          const seq = sequentialTest(fixed.control, fixed.treatment, { plannedUsers: planned });
          assert.ok(inUnit(seq.pValue));
          // The mSPRT spends α over every look: it is always more conservative than one look.
          assert.ok(seq.multiplier > 1.96);
          assert.ok(seq.absoluteLift.interval.lower <= fixed.absoluteLift.interval.lower + 1e-12);
          assert.ok(seq.absoluteLift.interval.upper >= fixed.absoluteLift.interval.upper - 1e-12);
          assert.deepEqual(nonFinitePaths(seq), []);
        },
      ),
    );
  });

  it('Bayesian: P(T > C) + P(C > T) = 1 and the losses swap', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 3000 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
        fc
          .integer({ min: 0, max: 3000 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
        ([nc, xc], [nt, xt]) => {
          const r = betaBinomialComparison({ n: nc, x: xc }, { n: nt, x: xt });
          const s = betaBinomialComparison({ n: nt, x: xt }, { n: nc, x: xc });
          assert.ok(inUnit(r.probabilityTreatmentHigher));
          assert.ok(
            Math.abs(r.probabilityTreatmentHigher + s.probabilityTreatmentHigher - 1) < 1e-9,
          );
          assert.ok(Math.abs(r.expectedLossTreatment - s.expectedLossControl) < 1e-9);
          // E[max(C − T, 0)] − E[max(T − C, 0)] = E[C] − E[T].
          const meanGap = (1 + xc) / (2 + nc) - (1 + xt) / (2 + nt);
          assert.ok(Math.abs(r.expectedLossTreatment - r.expectedLossControl - meanGap) < 1e-9);
        },
      ),
    );
  });

  it('Holm lies between the raw p-values and Bonferroni', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (ps) => {
        const holm = adjustPValues(ps, 'holm');
        const bonferroni = adjustPValues(ps, 'bonferroni');
        ps.forEach((p, i) => {
          assert.ok((holm[i] as number) >= p && (holm[i] as number) <= (bonferroni[i] as number));
          assert.ok(inUnit(holm[i] as number));
        });
      }),
    );
  });

  it('the analysis never throws and never returns NaN or infinity, whatever the aggregates', () => {
    const anything = fc.oneof(
      fc.double(),
      fc.integer({ min: -5, max: 100 }),
      fc.constant(0),
      fc.string({ maxLength: 2 }),
      fc.constant(null),
    );
    const aggregate = fc.record({ n: anything, x: anything, sum: anything, sumSq: anything });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(anything, aggregate, aggregate), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('fixed-horizon', 'sequential'),
        (rows, mode) => {
          const result = analyzeExperiment({
            variants: rows.map(([users], i) => ({ id: `v${i}`, weight: 1, users })),
            metrics: [
              { id: 'p', type: 'proportion', data: rows.map(([, a]) => ({ n: a.n, x: a.x })) },
              {
                id: 'c',
                type: 'continuous',
                data: rows.map(([, , a]) => ({ n: a.n, sum: a.sum, sumSq: a.sumSq })),
              },
            ],
            options: { mode, correction: 'holm' },
          });
          assert.ok(result.ok);
          assert.deepEqual(nonFinitePaths(result), []);
        },
      ),
      { numRuns: 500 },
    );
  });
});
