/**
 * Placing one profile in a trained clustering: scale its raw feature vector
 * with the model's offsets and scales and take the nearest centroid. It runs
 * on the event hot path, so it allocates nothing: each feature is scaled in
 * place of use, once per centroid (k and the feature count are both ≤ 20).
 */
import type { ClusterModel } from '../segments/segment.js';

/**
 * Index of the centroid nearest (Euclidean, in scaled units) to the raw
 * vector; the first on a tie, −1 for a model without centroids. Non-finite
 * and missing values count as 0, as in training (scale-features.ts).
 */
export function nearestCentroid(model: ClusterModel, raw: readonly number[]): number {
  const { offsets, scales, centroids } = model;
  let best = -1;
  let bestDistance = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const centroid = centroids[c] as number[];
    let distance = 0;
    for (let f = 0; f < offsets.length; f++) {
      const value = raw[f];
      const finite = value !== undefined && Number.isFinite(value) ? value : 0;
      const d = (finite - (offsets[f] as number)) / (scales[f] as number) - (centroid[f] as number);
      distance += d * d;
    }
    if (distance < bestDistance) {
      bestDistance = distance;
      best = c;
    }
  }
  return best;
}

/** The label of the cluster a raw feature vector falls in; undefined only for a model without centroids. */
export function assignCluster(model: ClusterModel, raw: readonly number[]): string | undefined {
  const index = nearestCentroid(model, raw);
  return index < 0 ? undefined : model.labels[index];
}
