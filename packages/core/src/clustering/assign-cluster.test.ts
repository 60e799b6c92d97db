import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterModel } from '../segments/segment.js';
import { assignCluster, nearestCentroid } from './assign-cluster.js';

const model: ClusterModel = {
  clusteringId: 'behaviour',
  run: 3,
  trainedAt: 0,
  // Feature 0 is in the hundreds, feature 1 in units: scaled, they weigh alike.
  offsets: [100, 5],
  scales: [100, 1],
  centroids: [
    [0, 0],
    [1, 0],
    [0, 3],
  ],
  labels: ['c2', 'c5', 'c7'],
};

test('nearest centroid after scaling with the model’s offsets and scales', () => {
  assert.equal(assignCluster(model, [110, 5]), 'c2');
  assert.equal(assignCluster(model, [190, 5.5]), 'c5');
  // Unscaled, 8 − 5 = 3 would be nothing next to 160 − 100; scaled, it is the larger gap.
  assert.equal(assignCluster(model, [160, 8]), 'c7');
});

test('missing and non-finite values count as 0; ties go to the first centroid', () => {
  assert.equal(assignCluster(model, [NaN, 5]), assignCluster(model, [0, 5]));
  assert.equal(assignCluster(model, [200]), assignCluster(model, [200, 0]));
  assert.equal(nearestCentroid(model, [150, 5]), 0); // halfway between c2 and c5
});

test('a model without centroids assigns nothing', () => {
  const empty = { ...model, centroids: [], labels: [] };
  assert.equal(assignCluster(empty, [1, 2]), undefined);
  assert.equal(nearestCentroid(empty, [1, 2]), -1);
});
