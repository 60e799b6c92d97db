/**
 * The clustering contract: what one run of a clustering job produces (the
 * model, the k search, the cluster summaries) and the port that keeps runs.
 * The algorithms are pure (run-clustering.ts); the host runs them in a worker
 * thread and publishes the model to the processor.
 */
import type { ClusterModel } from '../segments/segment.js';

export type { ClusterModel };

/** One k tried: its silhouette (higher is better, −1…1) and inertia (the elbow curve). */
export interface KCandidate {
  k: number;
  silhouette: number;
  /** Sum of squared distances of the profiles to their centroid, in scaled units. */
  inertia: number;
}

/** A feature that sets a cluster apart: its mean against the population's, in standard deviations. */
export interface DistinguishingFeature {
  feature: string;
  clusterMean: number;
  populationMean: number;
  /** (clusterMean − populationMean) / population standard deviation. */
  z: number;
}

export interface ClusterSummary {
  label: string;
  /** Profiles of the training sample in it, and their share of the sample. */
  size: number;
  share: number;
  /** The centroid in the features' original units, by feature path. */
  centroid: Record<string, number>;
  /** Features by |z| descending (those with |z| ≥ 0.5, at most 5). */
  distinguishing: DistinguishingFeature[];
}

export interface ClusterRun {
  workspaceId: string;
  clusteringId: string;
  /** 1, 2, … per clustering. */
  run: number;
  /** Config version whose job definition it ran. */
  configVersion: number;
  trigger: 'schedule' | 'api' | 'cli';
  startedAt: number;
  finishedAt: number;
  status: 'done' | 'failed';
  /** Why it failed (too few profiles, a worker error). */
  error?: string;
  /** Profiles in the training sample, and in the workspace when it ran. */
  sampled: number;
  population: number;
  features: string[];
  /** The chosen k (0 when failed). */
  k: number;
  candidates: KCandidate[];
  model?: ClusterModel;
  clusters: ClusterSummary[];
}

/** Runs of clustering jobs, per workspace and job; append-only. */
export interface ClusterRunStore {
  append(run: ClusterRun): Promise<void>;
  /** The newest run of a job (failed ones included). */
  latest(workspaceId: string, clusteringId: string): Promise<ClusterRun | undefined>;
  /** The newest successful run (with a model): what the processor assigns with. */
  latestModel(workspaceId: string, clusteringId: string): Promise<ClusterRun | undefined>;
  get(workspaceId: string, clusteringId: string, run: number): Promise<ClusterRun | undefined>;
  /** Newest first. */
  list(
    workspaceId: string,
    clusteringId: string,
    options: { before?: number; limit: number },
  ): Promise<ClusterRun[]>;
  close(): Promise<void>;
}
