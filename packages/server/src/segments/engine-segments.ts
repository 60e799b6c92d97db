import type { Logger } from 'pino';
import type {
  ClusterRun,
  ClusterRunStore,
  Clock,
  Processor,
  ProfileState,
  ProfileStore,
  SegmentSize,
} from '@onramp/core';
import type { ProfileLookup, WorkspaceRuntime } from '../engine/engine.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { BackgroundPasses, type PassProgress } from './background-passes.js';
import type { CohortStatus, PopulationControl } from './population-control.js';
import { planPasses } from './plan-passes.js';
import {
  trainClusteringRun,
  type ClusteringInput,
  type ClusteringOutput,
} from './train-clustering.js';

export type { ClusteringInput, ClusteringOutput };

export interface EngineSegmentsDeps {
  runtimeOf(workspaceId: string): WorkspaceRuntime | undefined;
  workspaceIds(): string[];
  processor: Pick<Processor, 'sweepAudiences' | 'visitProfiles' | 'stats' | 'flush'>;
  profileStore: ProfileStore;
  clusterRuns: ClusterRunStore;
  populationOf(workspaceId: string): PopulationControl;
  findProfile(workspaceId: string, lookup: ProfileLookup): Promise<ProfileState | undefined>;
  runClustering(input: ClusteringInput): Promise<ClusteringOutput>;
  /** Applies pending events and commits: counts and scans then see everything acknowledged. */
  flush(): Promise<void>;
  clock: Clock;
  logger: Logger;
  metrics: EngineMetrics;
  /** Size samples for "size over time" (default 60 s). */
  sizeSampleMs?: number;
  /** How often drift, churn and clustering schedules are checked (default 30 s). */
  maintenanceMs?: number;
  /** Re-band a cohort when a band boundary has moved this much in rank (default 0.01). */
  rebandDrift?: number;
  /** Profiles committed after a pass page when at least this many wait (default 20 000). */
  flushProfiles?: number;
}

export interface CohortReport extends CohortStatus {
  cohortId: string;
  metric: string;
  bands: { id: string; membership: string; percent: number; size: number }[];
}

/** Segments, cohorts and clusterings of the running engine: membership reads, passes, runs. */
export interface EngineSegments {
  membership(
    workspaceId: string,
    segment: string,
    lookup: ProfileLookup,
  ): Promise<{ profileId: string; member: boolean; since?: number } | undefined>;
  members(
    workspaceId: string,
    segment: string,
    options: { after?: string; limit: number },
  ): Promise<{
    members: { profileId: string; userId?: string; since: number }[];
    nextAfter?: string;
  }>;
  /** Member counts of every segment and band of the running config (0 when empty). */
  counts(workspaceId: string): Promise<Record<string, number>>;
  sizes(
    workspaceId: string,
    segment: string,
    options: { from: number; to: number; limit: number },
  ): Promise<SegmentSize[]>;
  passes(workspaceId: string): PassProgress[];
  /** Re-evaluates segments (all when absent) over every stored profile, in the background. */
  backfill(workspaceId: string, segments?: string[]): PassProgress;
  cohort(workspaceId: string, cohortId: string): Promise<CohortReport | undefined>;
  runClustering(
    workspaceId: string,
    clusteringId: string,
    trigger: ClusterRun['trigger'],
  ): Promise<ClusterRun>;
  clusterRuns(
    workspaceId: string,
    clusteringId: string,
    options: { before?: number; limit: number },
  ): Promise<ClusterRun[]>;
  clusterRun(
    workspaceId: string,
    clusteringId: string,
    run: number,
  ): Promise<ClusterRun | undefined>;
  /** A config version was published (or loaded, previous undefined): queue what it needs. */
  onPublished(previous: WorkspaceRuntime | undefined, next: WorkspaceRuntime): void;
  /** Size samples, re-band checks, scheduled clusterings: what the interval timer runs. */
  maintain(): Promise<void>;
  /** Resolves when no pass is queued or running for the workspace. */
  idle(workspaceId: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEngineSegments(deps: EngineSegmentsDeps): EngineSegments {
  const { clock, logger, processor } = deps;
  const passes = new BackgroundPasses({
    store: deps.profileStore,
    now: () => clock.now(),
    logger,
    flush: deps.flush,
    afterPage: async () => {
      if (processor.stats().dirty >= (deps.flushProfiles ?? 20_000)) await processor.flush();
    },
  });
  const clustering = new Map<string, Promise<ClusterRun>>();
  let lastSample = Number.NEGATIVE_INFINITY;
  let interval: NodeJS.Timeout | undefined;

  const runtime = (workspaceId: string): WorkspaceRuntime => {
    const found = deps.runtimeOf(workspaceId);
    if (found === undefined) throw new Error(`unknown workspace ${workspaceId}`);
    return found;
  };

  const segmentsApi: EngineSegments = {
    async membership(workspaceId, segment, lookup) {
      await deps.flush();
      const profile = await deps.findProfile(workspaceId, lookup);
      if (profile === undefined) return undefined;
      const stored = await deps.profileStore.membership(workspaceId, segment, profile.id);
      return stored === undefined
        ? { profileId: profile.id, member: false }
        : { profileId: profile.id, member: true, since: stored.since };
    },

    async members(workspaceId, segment, { after, limit }) {
      await deps.flush();
      const page = await deps.profileStore.listMembers(workspaceId, segment, {
        limit: limit + 1,
        ...(after === undefined ? {} : { after }),
      });
      const members = page.slice(0, limit);
      const profiles = await deps.profileStore.loadProfiles(
        workspaceId,
        members.map((member) => member.profileId),
      );
      const last = members[members.length - 1];
      return {
        members: members.map(({ profileId, since }) => {
          const userId = profiles.get(profileId)?.userId;
          return { profileId, ...(userId === undefined ? {} : { userId }), since };
        }),
        ...(page.length > limit && last !== undefined ? { nextAfter: last.profileId } : {}),
      };
    },

    async counts(workspaceId) {
      await deps.flush();
      const counts = await deps.profileStore.countMembers(workspaceId);
      const result: Record<string, number> = {};
      for (const id of runtime(workspaceId).rules.audiences.memberships) {
        result[id] = counts.get(id) ?? 0;
      }
      return result;
    },

    sizes: (workspaceId, segment, options) =>
      deps.profileStore.segmentSizes(workspaceId, segment, options),

    passes: (workspaceId) => passes.list(workspaceId),

    backfill(workspaceId, segments) {
      const current = runtime(workspaceId);
      return passes.enqueue({
        workspaceId,
        kind: 'backfill',
        reason: 'requested',
        version: current.ruleConfig.version,
        ...(segments === undefined ? {} : { segments }),
        page: (profiles) => sweep(workspaceId, profiles, segments, 'backfill'),
      });
    },

    async cohort(workspaceId, cohortId) {
      const cohort = runtime(workspaceId).rules.audiences.cohorts.find((c) => c.id === cohortId);
      const status = deps.populationOf(workspaceId).status(cohortId);
      if (cohort === undefined || status === undefined) return undefined;
      const counts = await segmentsApi.counts(workspaceId);
      return {
        cohortId,
        metric: cohort.definition.metric,
        ...status,
        bands: cohort.definition.bands.map((band, index) => {
          const membership = cohort.memberships[index] as string;
          return { id: band.id, membership, percent: band.percent, size: counts[membership] ?? 0 };
        }),
      };
    },

    runClustering(workspaceId, clusteringId, trigger) {
      const key = `${workspaceId}\u0000${clusteringId}`;
      const running = clustering.get(key);
      if (running !== undefined) return running;
      const run = trainClustering(workspaceId, clusteringId, trigger).finally(() =>
        clustering.delete(key),
      );
      clustering.set(key, run);
      return run;
    },

    clusterRuns: (workspaceId, clusteringId, options) =>
      deps.clusterRuns.list(workspaceId, clusteringId, options),
    clusterRun: (workspaceId, clusteringId, run) =>
      deps.clusterRuns.get(workspaceId, clusteringId, run),

    onPublished(previous, next) {
      const workspaceId = next.workspace.id;
      const population = deps.populationOf(workspaceId);
      const audiences = next.rules.audiences;
      const fresh = population.reconfigure(
        audiences.cohorts.map((cohort) => ({
          id: cohort.id,
          percents: cohort.percents,
          minPopulation: cohort.definition.minPopulation,
          sketchKey: cohort.sketchKey,
        })),
      );
      const kept = new Set(audiences.clusterings.map((job) => job.id));
      for (const job of previous?.rules.audiences.clusterings ?? []) {
        if (!kept.has(job.id)) population.dropClusterModel(job.id);
      }
      const plan = planPasses(previous?.rules.audiences, audiences, fresh);
      const version = next.ruleConfig.version;
      if (plan.segments !== undefined) {
        const segments = plan.segments;
        // Earlier back-fills go on: each page is evaluated under the version running then,
        // and a segment deleted meanwhile is skipped (its memberships are pruned).
        passes.enqueue({
          workspaceId,
          kind: 'backfill',
          reason: previous === undefined ? 'start' : `version ${version}`,
          version,
          ...(segments === 'all' ? {} : { segments }),
          page: (profiles) =>
            sweep(workspaceId, profiles, segments === 'all' ? undefined : segments, 'backfill'),
        });
      }
      for (const cohortId of plan.rank) queueRank(workspaceId, cohortId, version);
      for (const cohortId of plan.rebuild) queueRebuild(workspaceId, cohortId, version, 'start');
      for (const cohortId of plan.reband)
        queueReband(workspaceId, cohortId, version, 'bands changed');
    },

    async maintain() {
      const now = clock.now();
      const sample = now - lastSample >= (deps.sizeSampleMs ?? 60_000);
      if (sample) lastSample = now;
      for (const workspaceId of deps.workspaceIds()) {
        const current = deps.runtimeOf(workspaceId);
        if (current === undefined || !current.rules.audiences.active) continue;
        if (sample) await recordSizes(workspaceId, now);
        checkCohorts(workspaceId, current);
        await scheduleClusterings(workspaceId, current, now);
      }
    },

    idle: (workspaceId) => passes.idle(workspaceId),

    async start() {
      for (const workspaceId of deps.workspaceIds()) {
        const current = deps.runtimeOf(workspaceId);
        if (current === undefined) continue;
        for (const job of current.rules.audiences.clusterings) {
          const latest = await deps.clusterRuns.latestModel(workspaceId, job.id);
          if (latest?.model !== undefined)
            deps.populationOf(workspaceId).setClusterModel(latest.model);
        }
        segmentsApi.onPublished(undefined, current);
      }
      interval = setInterval(() => {
        void segmentsApi.maintain().catch((error: unknown) => {
          logger.error({ err: error }, 'segment maintenance failed');
        });
      }, deps.maintenanceMs ?? 30_000);
      interval.unref();
    },

    async stop() {
      if (interval !== undefined) clearInterval(interval);
      await passes.stop();
      await Promise.allSettled([...clustering.values()]);
    },
  };

  async function sweep(
    workspaceId: string,
    profiles: ProfileState[],
    segments: readonly string[] | undefined,
    cause: string,
    scope: { cohorts?: boolean; clusters?: boolean } = {},
  ) {
    deps.metrics.segmentPassProfiles.inc({ kind: cause }, profiles.length);
    // Not replayed from the log (a pass interrupted by a stop runs again at the next
    // start), so the cause needs no determinism: the time keeps repeated passes apart.
    return processor.sweepAudiences(
      workspaceId,
      profiles,
      { ...(segments === undefined ? {} : { segments: new Set(segments) }), ...scope },
      `${cause}@${clock.now()}`,
    );
  }

  function queueRank(workspaceId: string, cohortId: string, version: number): void {
    const population = deps.populationOf(workspaceId);
    passes.enqueue({
      workspaceId,
      kind: 'rank',
      reason: 'new cohort',
      version,
      cohorts: [cohortId],
      page: (profiles) => sweep(workspaceId, profiles, [], 'rank', { cohorts: true }),
      end: () => {
        population.markReady(cohortId);
        queueReband(workspaceId, cohortId, version, 'ranked');
      },
    });
  }

  function queueRebuild(workspaceId: string, cohortId: string, version: number, reason: string) {
    const population = deps.populationOf(workspaceId);
    passes.enqueue({
      workspaceId,
      kind: 'rebuild',
      reason,
      version,
      cohorts: [cohortId],
      begin: () => population.beginRebuild(cohortId),
      page: (profiles) => {
        deps.metrics.segmentPassProfiles.inc({ kind: 'rebuild' }, profiles.length);
        return processor.visitProfiles(workspaceId, profiles, (profile) => {
          const key = rankKeyOf(workspaceId, cohortId);
          const ranked = profile.ranked;
          const held = key !== undefined && ranked !== undefined && Object.hasOwn(ranked, key);
          population.rebuildAdd(cohortId, profile.id, held ? ranked[key] : undefined);
        });
      },
      end: () => {
        population.finishRebuild(cohortId);
        queueReband(workspaceId, cohortId, version, 'sketch rebuilt');
      },
      abort: () => population.abortRebuild(cohortId),
    });
  }

  function rankKeyOf(workspaceId: string, cohortId: string): string | undefined {
    return runtime(workspaceId).rules.audiences.cohorts.find((c) => c.id === cohortId)?.rankKey;
  }

  function queueReband(workspaceId: string, cohortId: string, version: number, reason: string) {
    passes.enqueue({
      workspaceId,
      kind: 'reband',
      reason,
      version,
      cohorts: [cohortId],
      begin: () => deps.populationOf(workspaceId).markRebanded(cohortId),
      page: (profiles) => sweep(workspaceId, profiles, [], 'reband', { cohorts: true }),
    });
  }

  async function recordSizes(workspaceId: string, now: number): Promise<void> {
    const counts = await segmentsApi.counts(workspaceId);
    await deps.profileStore.recordSegmentSizes(workspaceId, now, new Map(Object.entries(counts)));
    for (const [segment, size] of Object.entries(counts)) {
      deps.metrics.segmentMembers.set({ workspace: workspaceId, segment }, size);
    }
  }

  /** The population moved: re-band when a boundary drifted; rebuild when churn blurred the sketch. */
  function checkCohorts(workspaceId: string, current: WorkspaceRuntime): void {
    const population = deps.populationOf(workspaceId);
    const busy = new Set(
      passes
        .list(workspaceId)
        .filter((p) => p.state === 'queued' || p.state === 'running')
        .flatMap((p) => p.cohorts ?? []),
    );
    for (const cohort of current.rules.audiences.cohorts) {
      const status = population.status(cohort.id);
      if (status === undefined || !status.ready || busy.has(cohort.id)) continue;
      const version = current.ruleConfig.version;
      if (status.churn > 1) queueRebuild(workspaceId, cohort.id, version, 'churn');
      else if (status.drift > (deps.rebandDrift ?? 0.01)) {
        queueReband(workspaceId, cohort.id, version, 'population moved');
      }
    }
  }

  async function scheduleClusterings(workspaceId: string, current: WorkspaceRuntime, now: number) {
    for (const job of current.rules.audiences.clusterings) {
      if (job.everyMs === undefined) continue;
      const latest = await deps.clusterRuns.latest(workspaceId, job.id);
      if (latest !== undefined && latest.startedAt + job.everyMs > now) continue;
      void segmentsApi.runClustering(workspaceId, job.id, 'schedule').catch((error: unknown) => {
        logger.error({ err: error, clustering: job.id }, 'scheduled clustering failed');
      });
    }
  }

  async function trainClustering(
    workspaceId: string,
    clusteringId: string,
    trigger: ClusterRun['trigger'],
  ): Promise<ClusterRun> {
    const current = runtime(workspaceId);
    const record = await trainClusteringRun({ ...deps, processor }, current, clusteringId, trigger);
    deps.metrics.clusteringRuns.inc({ status: record.status });
    if (record.model !== undefined) {
      deps.populationOf(workspaceId).setClusterModel(record.model);
      passes.enqueue({
        workspaceId,
        kind: 'label',
        reason: `run ${record.run}`,
        version: current.ruleConfig.version,
        clustering: clusteringId,
        page: (profiles) => sweep(workspaceId, profiles, [], 'label', { clusters: true }),
      });
    }
    logger.info(
      {
        workspace: workspaceId,
        clustering: clusteringId,
        run: record.run,
        status: record.status,
        k: record.k,
      },
      'clustering run',
    );
    return record;
  }

  return segmentsApi;
}
