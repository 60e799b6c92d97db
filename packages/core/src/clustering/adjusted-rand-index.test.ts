import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustedRandIndex } from './adjusted-rand-index.js';

const close = (actual: number, expected: number): void =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('1 for the same grouping whatever the label names', () => {
  close(adjustedRandIndex([0, 0, 1, 1, 2], ['b', 'b', 'a', 'a', 'c']), 1);
});

test('known values (as scikit-learn computes them)', () => {
  close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 0.5714285714285715);
  close(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
  close(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 0.24242424242424246);
});

test('trivial labelings: one item, or both a single group', () => {
  close(adjustedRandIndex([1], [7]), 1);
  close(adjustedRandIndex([1, 1, 1], [2, 2, 2]), 1);
});

test('bad input', () => {
  assert.throws(() => adjustedRandIndex([0, 1], [0]), /differ in length: 2 and 1/);
  assert.throws(() => adjustedRandIndex([], []), /at least one item/);
});
