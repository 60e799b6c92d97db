import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bandBoundaries, bandOfRank, drift, thresholds, type RankSketch } from './cohort-bands.js';

/** Exact ranks over an explicit list: what a perfect sketch would answer. */
function exactSketch(values: number[]): RankSketch {
  const sorted = [...values].sort((a, b) => a - b);
  const below = (x: number, orEqual: boolean) =>
    sorted.filter((v) => (orEqual ? v <= x : v < x)).length / sorted.length;
  return {
    size: sorted.length,
    rank: (x) => below(x, false),
    rankAtOrBelow: (x) => below(x, true),
    quantile: (q) =>
      sorted.length === 0
        ? undefined
        : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))],
  };
}

describe('bandBoundaries', () => {
  it('gives the lowest rank of every band but the last, top first', () => {
    assert.deepEqual(bandBoundaries([20, 50, 30]), [0.8, 0.3]);
    assert.deepEqual(bandBoundaries([50, 50]), [0.5]);
    assert.deepEqual(bandBoundaries([10, 10, 10, 70]), [0.9, 0.8, 0.7]);
    assert.deepEqual(bandBoundaries([100]), []);
  });

  it('keeps round shares exact (1 − 0.7 would not be 0.3)', () => {
    const [, middle] = bandBoundaries([20, 50, 30]);
    assert.equal(middle, 0.3);
    assert.equal(bandOfRank(bandBoundaries([20, 50, 30]), 30_000 / 100_000), 1);
  });

  it('normalises shares that do not add up to 100', () => {
    assert.deepEqual(bandBoundaries([2, 5, 3]), [0.8, 0.3]);
  });

  it('rejects no band and shares that are not positive numbers', () => {
    assert.throws(() => bandBoundaries([]), RangeError);
    assert.throws(() => bandBoundaries([50, 0, 50]), RangeError);
    assert.throws(() => bandBoundaries([50, -10, 60]), RangeError);
    assert.throws(() => bandBoundaries([50, Number.NaN]), RangeError);
    assert.throws(() => bandBoundaries([50, Number.POSITIVE_INFINITY]), RangeError);
  });
});

describe('bandOfRank', () => {
  const boundaries = bandBoundaries([20, 50, 30]);

  it('puts a rank at a boundary in the band above it', () => {
    assert.equal(bandOfRank(boundaries, 0.8), 0);
    assert.equal(bandOfRank(boundaries, 0.79999), 1);
    assert.equal(bandOfRank(boundaries, 0.3), 1);
    assert.equal(bandOfRank(boundaries, 0.29999), 2);
  });

  it('places the extremes in the top and bottom bands', () => {
    assert.equal(bandOfRank(boundaries, 1), 0);
    assert.equal(bandOfRank(boundaries, 0), 2);
  });

  it('places NaN in the bottom band (no comparison holds)', () => {
    assert.equal(bandOfRank(boundaries, Number.NaN), 2);
  });

  it('gives every profile of a tie the same band: the band of its lowest member', () => {
    // 10 values, 4 of them tied at 5 with ranks 0.5–0.8: all land in the middle band.
    const sketch = exactSketch([1, 2, 3, 4, 5, 5, 5, 5, 9, 10]);
    const bands = [1, 2, 3, 4, 5, 5, 5, 5, 9, 10].map((v) =>
      bandOfRank(boundaries, sketch.rank(v)),
    );
    assert.deepEqual(bands, [2, 2, 2, 1, 1, 1, 1, 1, 0, 0]);
  });
});

describe('thresholds and drift', () => {
  const boundaries = bandBoundaries([20, 50, 30]);
  const population = Array.from({ length: 1000 }, (_, i) => i);

  it('reads the metric values at the boundaries, top first', () => {
    assert.deepEqual(thresholds(exactSketch(population), boundaries), [800, 300]);
    assert.deepEqual(thresholds(exactSketch([]), boundaries), []);
  });

  it('is 0 right after a re-band and grows as the population moves', () => {
    const before = exactSketch(population);
    const recorded = thresholds(before, boundaries);
    assert.equal(drift(before, recorded, boundaries), 0);
    // 250 newcomers above everyone: 800 now holds ranks 800 / 1250 to 801 / 1250.
    const after = exactSketch([...population, ...Array.from({ length: 250 }, (_, i) => 2000 + i)]);
    assert.ok(Math.abs(drift(after, recorded, boundaries) - (0.8 - 801 / 1250)) < 1e-12);
  });

  it('counts a boundary inside a tie at the threshold as no drift', () => {
    // 40 % tied at 0: the 0.3 boundary falls inside the tie's rank range [0, 0.4].
    const values = [...Array.from({ length: 400 }, () => 0), ...population.slice(400)];
    const sketch = exactSketch(values);
    const recorded = thresholds(sketch, boundaries);
    assert.equal(recorded[1], 0);
    assert.equal(drift(sketch, recorded, boundaries), 0);
  });

  it('is 0 with nothing recorded or an empty sketch', () => {
    assert.equal(drift(exactSketch(population), [], boundaries), 0);
    assert.equal(drift(exactSketch([]), [800, 300], boundaries), 0);
  });
});
