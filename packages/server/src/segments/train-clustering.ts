import type {
  ClusterRun,
  ClusterRunStore,
  Clock,
  ClusterModel,
  ClusterSummary,
  KCandidate,
  Processor,
  ProfileStore,
} from '@onramp/core';
import type { WorkspaceRuntime } from '../engine/engine.js';
import { sampleFeatures } from './sample-features.js';

/** What a clustering run computes (in a worker thread). */
export interface ClusteringInput {
  vectors: number[][];
  features: string[];
  normalization: 'zscore' | 'minmax' | 'none';
  kMin: number;
  kMax: number;
  seed: number;
  previous?: ClusterModel;
  clusteringId: string;
  run: number;
  trainedAt: number;
}

export interface ClusteringOutput {
  k: number;
  candidates: KCandidate[];
  model: ClusterModel;
  clusters: ClusterSummary[];
}

export interface TrainClusteringDeps {
  processor: Pick<Processor, 'visitProfiles'>;
  profileStore: ProfileStore;
  clusterRuns: ClusterRunStore;
  runClustering(input: ClusteringInput): Promise<ClusteringOutput>;
  /** Applies pending events and commits, so the sample sees every acknowledged event. */
  flush(): Promise<void>;
  clock: Clock;
}

/**
 * One run of a clustering job: samples the profiles' features (a background read
 * between event batches), trains in the worker, and stores the run, failed or not.
 * A run with fewer than minProfiles profiles fails with that reason; the previous
 * model stays in force. Labels carry over from the last model when it was trained on
 * the same features.
 */
export async function trainClusteringRun(
  deps: TrainClusteringDeps,
  current: WorkspaceRuntime,
  clusteringId: string,
  trigger: ClusterRun['trigger'],
): Promise<ClusterRun> {
  const workspaceId = current.workspace.id;
  const job = current.rules.audiences.clusterings.find((c) => c.id === clusteringId);
  if (job === undefined) throw new Error(`unknown clustering ${clusteringId}`);
  const { definition } = job;
  const { clock } = deps;
  const latest = await deps.clusterRuns.latest(workspaceId, clusteringId);
  const previous = await deps.clusterRuns.latestModel(workspaceId, clusteringId);
  const run = (latest?.run ?? 0) + 1;
  const startedAt = clock.now();
  await deps.flush();
  const population = await deps.profileStore.countProfiles(workspaceId);
  const vectors = await sampleFeatures({
    store: deps.profileStore,
    processor: deps.processor,
    workspaceId,
    features: job.features,
    sampleSize: definition.sampleSize,
    seed: run,
    now: startedAt,
  });
  const base = {
    workspaceId,
    clusteringId,
    run,
    configVersion: current.ruleConfig.version,
    trigger,
    startedAt,
    sampled: vectors.length,
    population,
    features: [...definition.features],
  };
  let record: ClusterRun;
  try {
    if (vectors.length < definition.minProfiles) {
      throw new Error(
        `${vectors.length} profiles, fewer than minProfiles (${definition.minProfiles})`,
      );
    }
    const output = await deps.runClustering({
      vectors,
      features: [...definition.features],
      normalization: definition.normalization,
      kMin: definition.k.min,
      kMax: definition.k.max,
      seed: run,
      ...(previous?.model !== undefined && sameList(previous.features, definition.features)
        ? { previous: previous.model }
        : {}),
      clusteringId,
      run,
      trainedAt: startedAt,
    });
    record = {
      ...base,
      finishedAt: clock.now(),
      status: 'done',
      k: output.k,
      candidates: output.candidates,
      model: output.model,
      clusters: output.clusters,
    };
  } catch (error) {
    record = {
      ...base,
      finishedAt: clock.now(),
      status: 'failed',
      error: (error as Error).message,
      k: 0,
      candidates: [],
      clusters: [],
    };
  }
  await deps.clusterRuns.append(record);
  return record;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}
