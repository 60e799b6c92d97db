/**
 * The mean silhouette coefficient of a clustering: for each point, a = mean
 * distance to the other points of its cluster, b = the smallest mean distance
 * to the points of another cluster, s = (b − a) / max(a, b). The mean over the
 * points is in −1…1; higher means tighter, better separated clusters. It is how
 * a clustering run picks k.
 *
 * It costs O(n² · d): every pair of points. Up to SILHOUETTE_EXACT_LIMIT points
 * it is exact; beyond, it is computed on a seeded uniform sample of that many
 * points (distances among the sample only, as scikit-learn's `sample_size`
 * does). 2 000 points are 2 million pairs, a few milliseconds per k, and the
 * estimate's standard error is well under the gaps between k that matter.
 */
import { createSeededRandom, sampleIndices } from './seeded-random.js';

/** Points beyond which the silhouette is estimated on a sample of this size. */
export const SILHOUETTE_EXACT_LIMIT = 2_000;

export interface SilhouetteOptions {
  /** Sample size cap (default SILHOUETTE_EXACT_LIMIT). */
  limit?: number;
  /** Seed of the sample (default 1). */
  seed?: number;
}

/**
 * The indices the silhouette is computed on: all of them up to the limit, else
 * a seeded sample. Exposed so a run can draw the sample once and score every
 * k on the same points.
 */
export function silhouetteSample(n: number, options: SilhouetteOptions = {}): number[] {
  const limit = options.limit ?? SILHOUETTE_EXACT_LIMIT;
  if (n <= limit) return Array.from({ length: n }, (_, index) => index);
  return sampleIndices(n, limit, createSeededRandom(options.seed ?? 1));
}

/**
 * Mean silhouette of `labels` (cluster index 0…k−1 per vector) over the
 * vectors (Euclidean distance). A point alone in its cluster scores 0; when the
 * points scored span fewer than two clusters the silhouette is undefined and 0
 * is returned.
 */
export function meanSilhouette(
  vectors: readonly (readonly number[])[],
  labels: readonly number[],
  options: SilhouetteOptions & { sample?: readonly number[] } = {},
): number {
  if (vectors.length !== labels.length) {
    throw new Error(`${vectors.length} vectors but ${labels.length} labels`);
  }
  const sample = options.sample ?? silhouetteSample(vectors.length, options);
  const m = sample.length;
  let k = 0;
  for (const index of sample) k = Math.max(k, (labels[index] as number) + 1);
  const counts = new Float64Array(k);
  for (const index of sample) counts[labels[index] as number]! += 1;
  if (counts.filter((count) => count > 0).length < 2) return 0;

  // sums[i * k + c]: total distance from sampled point i to the sampled points of cluster c.
  const sums = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    const a = vectors[sample[i] as number] as readonly number[];
    const labelA = labels[sample[i] as number] as number;
    for (let j = i + 1; j < m; j++) {
      const b = vectors[sample[j] as number] as readonly number[];
      let squared = 0;
      for (let f = 0; f < a.length; f++) {
        const d = (a[f] as number) - (b[f] as number);
        squared += d * d;
      }
      const distance = Math.sqrt(squared);
      sums[i * k + (labels[sample[j] as number] as number)]! += distance;
      sums[j * k + labelA]! += distance;
    }
  }

  let total = 0;
  for (let i = 0; i < m; i++) {
    const own = labels[sample[i] as number] as number;
    const ownCount = counts[own] as number;
    if (ownCount <= 1) continue; // a singleton scores 0
    const a = (sums[i * k + own] as number) / (ownCount - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      const count = counts[c] as number;
      if (c === own || count === 0) continue;
      b = Math.min(b, (sums[i * k + c] as number) / count);
    }
    const spread = Math.max(a, b);
    total += spread > 0 ? (b - a) / spread : 0;
  }
  return total / m;
}
