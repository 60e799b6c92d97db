/**
 * The segments contract: what a membership change is, and the live population
 * state (cohort sketches, cluster models) that membership of cohorts and
 * cluster labels are computed against. Evaluation is pure over a profile; the
 * population state is owned by the host and read through this interface.
 */
import type { ProfileState } from '../profiles/profile.js';

/** A profile entering or leaving a segment or a cohort band (`cohort:band`). */
export interface MembershipChange {
  segment: string;
  on: 'entered' | 'exited';
}

/** The membership id of a cohort band, as the `segments` path and the stores know it. */
export function bandMembership(cohortId: string, bandId: string): string {
  return `${cohortId}:${bandId}`;
}

/** A number read from a profile (cohort metrics, clustering features); undefined when absent. */
export type ProfileMetric = (profile: ProfileState, now: number) => number | undefined;

/**
 * A trained clustering: how to scale a feature vector and the centroids (in
 * scaled units), each with its stable label.
 */
export interface ClusterModel {
  clusteringId: string;
  /** The run that trained it (ascending per clustering). */
  run: number;
  trainedAt: number;
  /** Per feature: scaled = (value − offset) / scale. */
  offsets: number[];
  scales: number[];
  centroids: number[][];
  /** Label of each centroid, e.g. "c1"; stable across runs where clusters persist. */
  labels: string[];
}

/**
 * Live population state the processor reads and feeds. Implemented by the host
 * (cohorts/cohort-sketch.ts keeps the sketches); absent, cohorts place nobody and
 * clusterings assign nothing.
 */
export interface PopulationState {
  /**
   * The band (index into the cohort's bands, 0 = top) a value of the cohort's
   * metric falls in, or undefined while the population is too small or the sketch
   * is being rebuilt.
   */
  cohortBand(cohortId: string, value: number): number | undefined;
  /** A profile's contribution to a cohort moved: `from` removed (if any), `to` added (if any). */
  observe(
    cohortId: string,
    profileId: string,
    from: number | undefined,
    to: number | undefined,
  ): void;
  /**
   * False while the cohort's sketch is first being built after a start (or a new
   * metric): bands are then left as they are, not emptied.
   */
  cohortReady(cohortId: string): boolean;
  /** The model of a clustering, once a run has trained one. */
  clusterModel(clusteringId: string): ClusterModel | undefined;
}
