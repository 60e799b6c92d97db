/**
 * Feature scaling for clustering: k-means measures Euclidean distance, so a
 * feature counted in thousands (session time in ms) would drown one counted
 * in units (sessions) unless the features are put on a common scale first.
 *
 * Non-finite values (NaN, ±Infinity) are treated as 0, in fitting and in
 * scaling alike: a profile missing a feature counts it as 0 (ClusteringSchema),
 * and one bad value must not turn every distance into NaN.
 */
import type { ClusteringDefinition } from '../segments/segment-schema.js';

export type Normalization = ClusteringDefinition['normalization'];

/** Per feature: scaled = (value − offset) / scale (the ClusterModel's offsets and scales). */
export interface FeatureScaling {
  offsets: number[];
  scales: number[];
}

/** The value itself when finite, else 0. */
export function finiteOrZero(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) ? value : 0;
}

/**
 * Fits the scaling on the training vectors:
 * - `zscore`: offset = mean, scale = population standard deviation;
 * - `minmax`: offset = minimum, scale = maximum − minimum (values land in 0…1);
 * - `none`: offset 0, scale 1.
 * A constant feature gets scale 1 (it then scales to 0 everywhere and plays no
 * part in distances) rather than a division by zero.
 */
export function fitScaling(
  vectors: readonly (readonly number[])[],
  normalization: Normalization,
): FeatureScaling {
  const first = vectors[0];
  if (first === undefined) throw new Error('fitScaling needs at least one vector');
  const dims = first.length;
  const offsets = new Array<number>(dims).fill(0);
  const scales = new Array<number>(dims).fill(1);
  if (normalization === 'none') return { offsets, scales };
  for (let f = 0; f < dims; f++) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const vector of vectors) {
      const value = finiteOrZero(vector[f]);
      if (value < min) min = value;
      if (value > max) max = value;
      sum += value;
    }
    // Exact constancy test: a mean of equal values can round, leaving a tiny spurious sd.
    const constant = min === max;
    if (normalization === 'minmax') {
      offsets[f] = min;
      scales[f] = constant ? 1 : max - min;
      continue;
    }
    const mean = sum / vectors.length;
    let squares = 0;
    for (const vector of vectors) {
      const deviation = finiteOrZero(vector[f]) - mean;
      squares += deviation * deviation;
    }
    offsets[f] = mean;
    scales[f] = constant ? 1 : Math.sqrt(squares / vectors.length);
  }
  return { offsets, scales };
}

/** A vector in scaled units (a new array; training-time use, not the hot path). */
export function scaleVector(vector: readonly number[], scaling: FeatureScaling): number[] {
  return scaling.offsets.map(
    (offset, f) => (finiteOrZero(vector[f]) - offset) / (scaling.scales[f] as number),
  );
}

/** A scaled vector back in the features' original units. */
export function unscaleVector(scaled: readonly number[], scaling: FeatureScaling): number[] {
  return scaling.offsets.map(
    (offset, f) => (scaled[f] as number) * (scaling.scales[f] as number) + offset,
  );
}
