import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededRandom } from './seeded-random.js';
import { meanSilhouette, silhouetteSample, SILHOUETTE_EXACT_LIMIT } from './silhouette.js';

test('exact on a small case worked by hand', () => {
  // Clusters {0, 1} and {5}: point 0: a = 1, b = 5 → 0.8; point 1: a = 1, b = 4 → 0.75;
  // point 5 is alone → 0. Mean (0.8 + 0.75 + 0) / 3.
  const s = meanSilhouette([[0], [1], [5]], [0, 0, 1]);
  assert.ok(Math.abs(s - 1.55 / 3) < 1e-12);
});

test('a worse labeling of the same points scores lower; a wrong one scores negative', () => {
  const points = [[0], [0.5], [1], [10], [10.5], [11]];
  const good = meanSilhouette(points, [0, 0, 0, 1, 1, 1]);
  const split = meanSilhouette(points, [0, 0, 1, 2, 2, 2]);
  const mixed = meanSilhouette(points, [0, 1, 0, 1, 0, 1]);
  assert.ok(good > 0.9);
  assert.ok(split < good);
  assert.ok(mixed < 0);
});

test('fewer than two clusters: 0', () => {
  assert.equal(meanSilhouette([[0], [1], [2]], [0, 0, 0]), 0);
});

test('beyond the limit: estimated on a seeded sample, close to the exact value', () => {
  const random = createSeededRandom(3);
  const points: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const cluster = i % 3;
    points.push([cluster * 3 + random(), cluster * 2 + random()]);
    labels.push(cluster);
  }
  const exact = meanSilhouette(points, labels, { limit: 3000 });
  const sampled = meanSilhouette(points, labels, { seed: 5 });
  assert.ok(Math.abs(exact - sampled) < 0.02, `${exact} vs ${sampled}`);
  assert.equal(meanSilhouette(points, labels, { seed: 5 }), sampled);

  const sample = silhouetteSample(3000, { seed: 5 });
  assert.equal(sample.length, SILHOUETTE_EXACT_LIMIT);
  assert.equal(new Set(sample).size, SILHOUETTE_EXACT_LIMIT);
  assert.ok(sample.every((index) => index >= 0 && index < 3000));
  assert.deepEqual(silhouetteSample(4), [0, 1, 2, 3]);
});

test('labels and vectors must match in length', () => {
  assert.throws(() => meanSilhouette([[0], [1]], [0]), /2 vectors but 1 labels/);
});
