/**
 * One clustering run, pure: scale the training vectors, run k-means (ml-kmeans,
 * k-means++ starts from a seeded PRNG, so the same input and seed give the
 * same result) for every k in the range, pick the k with the best silhouette,
 * give the clusters stable labels and describe them. The host runs it in a
 * worker thread (server/src/clustering/cluster-worker.ts): it is CPU-bound.
 */
import { kmeans } from 'ml-kmeans';
import type { ClusterModel, ClusterSummary, KCandidate } from './clustering.js';
import { nearestCentroid } from './assign-cluster.js';
import { matchLabels } from './match-labels.js';
import {
  finiteOrZero,
  fitScaling,
  scaleVector,
  unscaleVector,
  type FeatureScaling,
  type Normalization,
} from './scale-features.js';
import { createSeededRandom } from './seeded-random.js';
import { meanSilhouette, silhouetteSample } from './silhouette.js';
import { summarizeClusters } from './summarize-clusters.js';

/**
 * k-means++ starts per k (ml-kmeans' greedy variant, as scikit-learn's default
 * of one start). Each k past the first also gets a start grown from the best
 * fit of k − 1 (see fitKMeans); the lower inertia wins.
 */
export const KMEANS_STARTS = 1;
/**
 * k-means stops when no centroid moves (squared) more than this times the mean
 * variance of the scaled features: scikit-learn's default. ml-kmeans' own
 * absolute 1e-6 kept k = 8 on 50 000 profiles iterating a hundred times for
 * movements no assignment notices.
 */
export const KMEANS_RELATIVE_TOLERANCE = 1e-4;
/** Seed used when the options give none: runs are deterministic either way. */
export const DEFAULT_CLUSTERING_SEED = 42;

export interface RunClusteringOptions {
  /** Metric path of each vector position. */
  features: string[];
  normalization: Normalization;
  kMin: number;
  kMax: number;
  seed?: number;
  /** The last model of this clustering: its labels carry over to the clusters that match. */
  previous?: ClusterModel;
  clusteringId: string;
  run: number;
  trainedAt: number;
}

export interface ClusteringResult {
  /** The chosen k. */
  k: number;
  /** Every k tried, ascending: silhouette and inertia (the elbow curve). */
  candidates: KCandidate[];
  model: ClusterModel;
  /** Cluster of each input vector: an index into model.labels and clusters. */
  assignments: number[];
  /** One per cluster, in model order (largest first). */
  clusters: ClusterSummary[];
}

interface Fit {
  centroids: number[][];
  assignments: number[];
  inertia: number;
}

/**
 * Clusters the vectors (one number per feature each; non-finite values count
 * as 0). The k range is clipped to n − 1 and to the number of distinct vectors
 * (kMin too, when it exceeds that). k is chosen by the best silhouette, the
 * smaller k on a tie. Clusters are ordered largest first; labels are matched
 * to `previous` (ignored when its centroids have another feature count).
 * Throws on bad input: no vectors, fewer than 3, ragged vectors, no features,
 * kMin/kMax not integers ≥ 2, kMin > kMax, all vectors identical.
 */
export function runClustering(
  vectors: readonly (readonly number[])[],
  options: RunClusteringOptions,
): ClusteringResult {
  validate(vectors, options);
  const clean = vectors.map((vector) => vector.map((value) => finiteOrZero(value)));
  const scaling = fitScaling(clean, options.normalization);
  const scaled = clean.map((vector) => scaleVector(vector, scaling));
  const upper = Math.min(options.kMax, clean.length - 1, countDistinct(clean, options.kMax));
  if (upper < 2) throw new Error('all vectors are identical: there is nothing to cluster');
  const lower = Math.min(options.kMin, upper);

  const random = createSeededRandom(options.seed ?? DEFAULT_CLUSTERING_SEED);
  const nextSeed = (): number => Math.floor(random() * 2 ** 31);
  // One sample for every k, so their silhouettes are comparable.
  const sample = silhouetteSample(scaled.length, { seed: nextSeed() });
  const tolerance = KMEANS_RELATIVE_TOLERANCE * meanVariance(scaled);
  const candidates: KCandidate[] = [];
  let best: { k: number; silhouette: number; fit: Fit } | undefined;
  let smaller: Fit | undefined;
  for (let k = lower; k <= upper; k++) {
    const fit = fitKMeans(scaled, k, { tolerance, nextSeed, smaller });
    smaller = fit;
    const silhouette = meanSilhouette(scaled, fit.assignments, { sample });
    candidates.push({ k, silhouette, inertia: fit.inertia });
    if (best === undefined || silhouette > best.silhouette) best = { k, silhouette, fit };
  }
  if (best === undefined) throw new Error('unreachable: no k tried');
  return describe(best.k, best.fit, candidates, scaling, clean, options);
}

function validate(vectors: readonly (readonly number[])[], options: RunClusteringOptions): void {
  const dims = options.features.length;
  if (dims === 0) throw new Error('clustering needs at least one feature');
  if (vectors.length === 0) throw new Error('clustering needs vectors: none were given');
  if (vectors.length < 3) {
    throw new Error(`clustering needs at least 3 vectors, got ${vectors.length}`);
  }
  vectors.forEach((vector, i) => {
    if (vector.length !== dims) {
      throw new Error(
        `vector ${i} has ${vector.length} values, expected ${dims} (one per feature)`,
      );
    }
  });
  for (const [name, k] of [
    ['kMin', options.kMin],
    ['kMax', options.kMax],
  ] as const) {
    if (!Number.isInteger(k) || k < 2) throw new Error(`${name} must be an integer ≥ 2, got ${k}`);
  }
  if (options.kMin > options.kMax) {
    throw new Error(`kMin (${options.kMin}) is greater than kMax (${options.kMax})`);
  }
}

/** Distinct vectors, counted up to `cap` (k-means++ cannot seed more centroids than that). */
function countDistinct(vectors: readonly (readonly number[])[], cap: number): number {
  const seen = new Set<string>();
  for (const vector of vectors) {
    seen.add(vector.join(','));
    if (seen.size >= cap) break;
  }
  return seen.size;
}

/**
 * The best (lowest inertia, in scaled units) of KMEANS_STARTS k-means++ starts
 * and, given the fit for k − 1, of one start from its centroids plus the point
 * farthest from them. That start begins below k − 1's inertia and Lloyd's
 * steps never raise it, so inertia falls with k: the elbow curve is monotone
 * even where k-means++ alone lands in a worse local minimum.
 */
function fitKMeans(
  scaled: number[][],
  k: number,
  options: { tolerance: number; nextSeed: () => number; smaller: Fit | undefined },
): Fit {
  const starts: (number[][] | 'kmeans++')[] = new Array<'kmeans++'>(KMEANS_STARTS).fill('kmeans++');
  if (options.smaller !== undefined && options.smaller.centroids.length === k - 1) {
    starts.push([
      ...options.smaller.centroids.map((c) => [...c]),
      farthestPoint(scaled, options.smaller),
    ]);
  }
  let best: Fit | undefined;
  for (const initialization of starts) {
    const { centroids } = kmeans(scaled, k, {
      initialization,
      ...(initialization === 'kmeans++' ? { seed: options.nextSeed() } : {}),
      tolerance: options.tolerance,
    });
    const fit = nearestFit(scaled, centroids);
    if (best === undefined || fit.inertia < best.inertia) best = fit;
  }
  return best as Fit;
}

/**
 * Assignments and inertia against the final centroids (ml-kmeans' own labels
 * lag one step behind them when it stops at maxIterations).
 */
function nearestFit(scaled: readonly (readonly number[])[], centroids: number[][]): Fit {
  const assignments = new Array<number>(scaled.length);
  let inertia = 0;
  scaled.forEach((vector, i) => {
    let nearest = 0;
    let nearestDistance = Infinity;
    centroids.forEach((centroid, c) => {
      const distance = squaredDistance(vector, centroid);
      if (distance < nearestDistance) {
        nearestDistance = distance;
        nearest = c;
      }
    });
    assignments[i] = nearest;
    inertia += nearestDistance;
  });
  return { centroids, assignments, inertia };
}

/** A copy of the vector farthest from its centroid in a fit. */
function farthestPoint(scaled: readonly (readonly number[])[], fit: Fit): number[] {
  let farthest = 0;
  let distance = -1;
  scaled.forEach((vector, i) => {
    const d = squaredDistance(vector, fit.centroids[fit.assignments[i] as number] as number[]);
    if (d > distance) {
      distance = d;
      farthest = i;
    }
  });
  return [...(scaled[farthest] as number[])];
}

function meanVariance(vectors: readonly (readonly number[])[]): number {
  const dims = (vectors[0] as readonly number[]).length;
  let total = 0;
  for (let f = 0; f < dims; f++) {
    let sum = 0;
    for (const vector of vectors) sum += vector[f] as number;
    const mean = sum / vectors.length;
    let squares = 0;
    for (const vector of vectors) squares += ((vector[f] as number) - mean) ** 2;
    total += squares / vectors.length;
  }
  return total / dims;
}

function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let f = 0; f < a.length; f++) sum += ((a[f] as number) - (b[f] as number)) ** 2;
  return sum;
}

/** The chosen fit as a model (largest cluster first, labels matched) and its summaries. */
function describe(
  k: number,
  fit: Fit,
  candidates: KCandidate[],
  scaling: FeatureScaling,
  clean: number[][],
  options: RunClusteringOptions,
): ClusteringResult {
  const sizes = new Array<number>(k).fill(0);
  for (const cluster of fit.assignments) sizes[cluster] = (sizes[cluster] as number) + 1;
  const order = sizes
    .map((_, c) => c)
    .sort((a, b) => (sizes[b] as number) - (sizes[a] as number) || a - b);
  const centroids = order.map((c) => fit.centroids[c] as number[]);
  const labels = matchLabels(centroids, previousInCurrentUnits(options.previous, scaling));
  const model: ClusterModel = {
    clusteringId: options.clusteringId,
    run: options.run,
    trainedAt: options.trainedAt,
    offsets: scaling.offsets,
    scales: scaling.scales,
    centroids,
    labels,
  };
  // Exactly what assignCluster computes for these profiles on the hot path.
  const assignments = clean.map((vector) => nearestCentroid(model, vector));
  const clusters = summarizeClusters({
    features: options.features,
    labels,
    centroids: centroids.map((centroid) => unscaleVector(centroid, scaling)),
    vectors: clean,
    assignments,
  });
  return { k, candidates, model, assignments, clusters };
}

/**
 * The previous model's centroids re-expressed in this run's scaled units (its
 * scaling was fitted on another sample), or undefined when it cannot be
 * compared: another number of features.
 */
function previousInCurrentUnits(
  previous: ClusterModel | undefined,
  scaling: FeatureScaling,
): { centroids: number[][]; labels: string[] } | undefined {
  const dims = scaling.offsets.length;
  if (previous === undefined) return undefined;
  const comparable =
    previous.offsets.length === dims &&
    previous.scales.length === dims &&
    previous.centroids.every((centroid) => centroid.length === dims);
  if (!comparable) return undefined;
  const old: FeatureScaling = { offsets: previous.offsets, scales: previous.scales };
  return {
    centroids: previous.centroids.map((centroid) =>
      scaleVector(unscaleVector(centroid, old), scaling),
    ),
    labels: previous.labels,
  };
}
