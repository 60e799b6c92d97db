import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finiteOrZero, fitScaling, scaleVector, unscaleVector } from './scale-features.js';

const vectors = [
  [1, 10, 5],
  [2, 20, 5],
  [3, 60, 5],
];

test('zscore: offset is the mean, scale the population standard deviation', () => {
  const scaling = fitScaling(vectors, 'zscore');
  assert.deepEqual(scaling.offsets, [2, 30, 5]);
  assert.ok(Math.abs(scaling.scales[0]! - Math.sqrt(2 / 3)) < 1e-12);
  assert.ok(Math.abs(scaling.scales[1]! - Math.sqrt(1400 / 3)) < 1e-12);
  const scaled = vectors.map((v) => scaleVector(v, scaling));
  for (let f = 0; f < 2; f++) {
    const column = scaled.map((v) => v[f]!);
    const mean = column.reduce((a, b) => a + b, 0) / 3;
    const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 3;
    assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-12);
  }
});

test('minmax: values land in 0…1', () => {
  const scaling = fitScaling(vectors, 'minmax');
  assert.deepEqual(scaling.offsets, [1, 10, 5]);
  assert.deepEqual(scaling.scales, [2, 50, 1]);
  assert.deepEqual(scaleVector([3, 35, 5], scaling), [1, 0.5, 0]);
});

test('none: values as they are', () => {
  const scaling = fitScaling(vectors, 'none');
  assert.deepEqual(scaling, { offsets: [0, 0, 0], scales: [1, 1, 1] });
  assert.deepEqual(scaleVector([7, 8, 9], scaling), [7, 8, 9]);
});

test('a constant feature gets scale 1 (no division by zero), even when its mean rounds', () => {
  for (const normalization of ['zscore', 'minmax'] as const) {
    assert.equal(fitScaling(vectors, normalization).scales[2], 1);
    // 0.1 × 3 / 3 is not exactly 0.1: a rounded sd must not be taken for spread.
    const tenths = fitScaling([[0.1], [0.1], [0.1]], normalization);
    assert.deepEqual(tenths.scales, [1]);
  }
});

test('non-finite values are treated as 0, in fitting and in scaling', () => {
  const withBad = [[NaN], [Infinity], [4], [-Infinity]];
  assert.deepEqual(fitScaling(withBad, 'minmax'), { offsets: [0], scales: [4] });
  assert.deepEqual(fitScaling(withBad, 'zscore').offsets, [1]);
  const scaling = { offsets: [1], scales: [2] };
  assert.deepEqual(scaleVector([NaN], scaling), [-0.5]);
  assert.equal(finiteOrZero(undefined), 0);
  assert.equal(finiteOrZero(-3.5), -3.5);
});

test('unscaleVector inverts scaleVector', () => {
  const scaling = fitScaling(vectors, 'zscore');
  const back = unscaleVector(scaleVector([2.5, 44, 5], scaling), scaling);
  [2.5, 44, 5].forEach((value, f) => assert.ok(Math.abs(back[f]! - value) < 1e-9));
});

test('no vectors: an error', () => {
  assert.throws(() => fitScaling([], 'zscore'), /at least one vector/);
});
