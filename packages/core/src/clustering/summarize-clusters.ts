/**
 * What a trained cluster looks like to a person: its size, its centroid in the
 * features' own units, and the features that set it apart from everyone else
 * (its mean against the population's, in population standard deviations).
 */
import type { ClusterSummary, DistinguishingFeature } from './clustering.js';

/** A feature distinguishes a cluster from |z| ≥ this. */
export const DISTINGUISHING_MIN_Z = 0.5;
/** At most this many distinguishing features per cluster. */
export const DISTINGUISHING_MAX = 5;

export interface SummarizeInput {
  features: readonly string[];
  labels: readonly string[];
  /** Centroids in original units, in label order. */
  centroids: readonly (readonly number[])[];
  /** The training vectors in original units (non-finite values already 0). */
  vectors: readonly (readonly number[])[];
  /** Cluster index of each vector. */
  assignments: readonly number[];
}

/** One summary per label, in label order. */
export function summarizeClusters(input: SummarizeInput): ClusterSummary[] {
  const { features, labels, vectors, assignments } = input;
  const n = vectors.length;
  const dims = features.length;
  const k = labels.length;
  const sizes = new Array<number>(k).fill(0);
  const sums = Array.from({ length: k }, () => new Array<number>(dims).fill(0));
  const total = new Array<number>(dims).fill(0);
  const min = new Array<number>(dims).fill(Infinity);
  const max = new Array<number>(dims).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const vector = vectors[i] as readonly number[];
    const cluster = assignments[i] as number;
    sizes[cluster] = (sizes[cluster] as number) + 1;
    const sum = sums[cluster] as number[];
    for (let f = 0; f < dims; f++) {
      const value = vector[f] as number;
      sum[f] = (sum[f] as number) + value;
      total[f] = (total[f] as number) + value;
      min[f] = Math.min(min[f] as number, value);
      max[f] = Math.max(max[f] as number, value);
    }
  }
  const mean = total.map((sum) => sum / n);
  const sd = mean.map((m, f) => {
    let squares = 0;
    for (const vector of vectors) squares += ((vector[f] as number) - m) ** 2;
    return Math.sqrt(squares / n);
  });

  return labels.map((label, c) => {
    const size = sizes[c] as number;
    const centroid = input.centroids[c] as readonly number[];
    // An empty cluster (k-means can leave one) is described by its centroid.
    const clusterMean = (f: number): number =>
      size > 0 ? ((sums[c] as number[])[f] as number) / size : (centroid[f] as number);
    const distinguishing: DistinguishingFeature[] = [];
    for (let f = 0; f < dims; f++) {
      // Constant in the population (tested exactly, not by a rounded sd): sets no cluster apart.
      if (min[f] === max[f]) continue;
      const spread = sd[f] as number;
      const z = (clusterMean(f) - (mean[f] as number)) / spread;
      if (Math.abs(z) < DISTINGUISHING_MIN_Z) continue;
      distinguishing.push({
        feature: features[f] as string,
        clusterMean: clusterMean(f),
        populationMean: mean[f] as number,
        z,
      });
    }
    distinguishing.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
    return {
      label,
      size,
      share: size / n,
      centroid: Object.fromEntries(features.map((feature, f) => [feature, centroid[f] as number])),
      distinguishing: distinguishing.slice(0, DISTINGUISHING_MAX),
    };
  });
}
