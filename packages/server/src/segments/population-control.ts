import type { ClusterModel, PopulationState } from '@onramp/core';

/** A cohort as the population tracks it: its bands and the identity of its metric. */
export interface TrackedCohort {
  id: string;
  /** Band shares in percent, top first. */
  percents: readonly number[];
  minPopulation: number;
  /** Changes when the metric changes: the sketch is kept only while it stays the same. */
  sketchKey: string;
}

export interface CohortStatus {
  size: number;
  /** Removed values / current size since the last rebuild: the sketch's error grows with it. */
  churn: number;
  ready: boolean;
  rebuilding: boolean;
  /** Metric values at the band boundaries, top first (one fewer than bands). */
  thresholds: number[];
  /** Largest move, in rank, of a boundary since bands were last re-assigned. */
  drift: number;
}

/** What the engine needs of a workspace's live population (cohort sketches, cluster models). */
export interface PopulationControl extends PopulationState {
  /** Applies a config version's cohorts; returns the ids whose sketch starts empty (new or new metric). */
  reconfigure(cohorts: readonly TrackedCohort[]): string[];
  /** A cohort being filled by a rank pass: not ready until markReady. */
  markReady(cohortId: string): void;
  beginRebuild(cohortId: string): void;
  /** A scanned profile's value (undefined: it holds none; the scan cursor moves on). */
  rebuildAdd(cohortId: string, profileId: string, value: number | undefined): void;
  finishRebuild(cohortId: string): void;
  abortRebuild(cohortId: string): void;
  status(cohortId: string): CohortStatus | undefined;
  markRebanded(cohortId: string): void;
  setClusterModel(model: ClusterModel): void;
  dropClusterModel(clusteringId: string): void;
}
