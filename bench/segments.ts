import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cleanup } from './lib/cleanup.js';
import { repoRoot } from './lib/child-server.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { measureBackfill, type Backfill, type BackfillOptions } from './lib/segment-backfill.js';
import {
  cpuProfileDirOf,
  measureSegmentCost,
  type SegmentCost,
  type SegmentCostOptions,
} from './lib/segment-cost.js';
import { measureRankError, type RankErrorOptions } from './lib/segment-rank-error.js';
import { round } from './lib/stats.js';
import type { Suite, SuiteReport } from './lib/suite.js';
import { formatNumber } from './lib/table.js';

export interface SegmentsBenchOptions {
  cost: Omit<SegmentCostOptions, 'sizes'>;
  backfill: BackfillOptions;
  rankError: RankErrorOptions;
}

/** The two configurations compared (the figure's name says 200 vs 10). */
const sizes = [10, 200] as const;
/** The budget: 200 segments cost at most twice what 10 cost, per event. */
const costTarget = 2;

/** Knobs, from the environment (documented in docs/benchmarks.md). */
export function segmentsOptionsFromEnv(env: NodeJS.ProcessEnv): SegmentsBenchOptions {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value <= 0) {
      throw new Error(`${name} must be a positive integer`);
    }
    return value;
  };
  const cpuProfileDir = env.BENCH_CPU_PROF;
  return {
    cost: {
      profiles: number('BENCH_SEGMENT_PROFILES', 1000),
      warmupProfiles: number('BENCH_SEGMENT_WARMUP_PROFILES', 300),
      rounds: number('BENCH_SEGMENT_ROUNDS', 3),
      chunk: 500,
      flushEvery: 5000,
      ...(cpuProfileDir === undefined ? {} : { cpuProfileDir: resolve(cpuProfileDir) }),
    },
    backfill: {
      profiles: number('BENCH_BACKFILL_PROFILES', 1_000_000),
      segments: sizes[1],
      templates: number('BENCH_BACKFILL_TEMPLATES', 2000),
      fillBatch: 5000,
    },
    rankError: {
      population: number('BENCH_RANK_POPULATION', 200_000),
      churnRounds: number('BENCH_RANK_CHURN_ROUNDS', 2),
    },
  };
}

/**
 * Segments at scale (issue 4): the per-event processing cost with 200 segments
 * against 10 and the memory of memberships, the back-fill throughput of a new
 * segment over a SQLite store, and the cohort sketch's rank error.
 */
export const segmentsSuite: Suite = {
  name: 'segments',
  description:
    '200 vs 10 segments per event, membership memory, back-fill of one segment over 1 000 000 SQLite profiles, cohort rank error',
  timeoutMs: 60 * 60_000,
  run: async (context) =>
    measureSegments(segmentsOptionsFromEnv(process.env), context.log, context.cleanup),
};

/** Runs the three measurements; one that fails is reported and the others still run. */
export async function measureSegments(
  options: SegmentsBenchOptions,
  log: (message: string) => void,
  cleanup?: Cleanup,
): Promise<SuiteReport> {
  const report: SuiteReport = { figures: {}, rows: [], notes: [], errors: [] };
  const attempt = async (what: string, work: () => Promise<void> | void) => {
    try {
      await work();
    } catch (error) {
      report.errors.push(`${what}: ${(error as Error).stack ?? String(error)}`);
    }
  };
  await attempt('per-event cost', async () => {
    const dir = options.cost.cpuProfileDir;
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
    const started = Date.now();
    log(
      `segments: ${sizes[0]} vs ${sizes[1]} segments on ${options.cost.profiles.toLocaleString('en-US')} people, ${options.cost.rounds} rounds`,
    );
    const cost = await measureSegmentCost({ ...options.cost, sizes }, log, cleanup);
    reportCost(report, cost);
    if (dir !== undefined) reportCpuProfile(report, cpuProfileDirOf(dir, sizes[1]), started);
  });
  await attempt('cohort rank error', () => {
    log(
      `segments: cohort rank error on ${options.rankError.population.toLocaleString('en-US')} values`,
    );
    reportRankError(report, options.rankError);
  });
  await attempt('back-fill', async () => {
    reportBackfill(report, await measureBackfill(options.backfill, log, cleanup));
  });
  return report;
}

function reportCost(report: SuiteReport, cost: SegmentCost): void {
  const { small, large, ratio, memory, smallDropped, largeDropped, ratioDropped } = cost;
  for (const config of [small, large, smallDropped, largeDropped]) {
    if (config.errors > 0) throw new Error(`${config.errors} events failed to apply`);
  }
  Object.assign(report.figures, {
    segments_200_vs_10_cost_ratio: round(ratio, 2),
    segments_event_us_10: round(small.usPerEvent, 1),
    segments_event_us_200: round(large.usPerEvent, 1),
    segments_200_vs_10_cost_ratio_without_emitted: round(ratioDropped, 2),
    segments_event_us_10_without_emitted: round(smallDropped.usPerEvent, 1),
    segments_event_us_200_without_emitted: round(largeDropped.usPerEvent, 1),
    segments_log_entries_per_event_10: round(small.appliedPerEvent, 2),
    segments_log_entries_per_event_200: round(large.appliedPerEvent, 2),
    segments_memberships_per_profile_200: round(memory.membershipsPerProfile, 1),
    segment_membership_bytes_per_profile: round(memory.bytesPerProfile),
    segment_membership_bytes_per_membership: round(memory.bytesPerMembership, 1),
    segment_membership_loaded_bytes_per_profile: round(memory.loadedBytesPerProfile),
    segment_membership_json_bytes_per_profile: round(memory.jsonBytesPerProfile),
  });
  const spread = (rounds: readonly number[]) =>
    `rounds ${rounds.map((us) => formatNumber(us)).join(', ')}`;
  report.rows.push(
    {
      measurement: `processor, ${small.segments} segments`,
      value: small.usPerEvent,
      unit: 'µs/event',
      note: `${small.appliedPerEvent.toFixed(2)} log entries per event; ${spread(small.rounds)}`,
    },
    {
      measurement: `processor, ${large.segments} segments`,
      value: large.usPerEvent,
      unit: 'µs/event',
      note: `${large.appliedPerEvent.toFixed(2)} log entries per event; ${spread(large.rounds)}`,
    },
    {
      measurement: `cost ${large.segments} segments / ${small.segments} segments`,
      value: ratio,
      unit: '×',
      target: `≤ ${costTarget}`,
      met: ratio <= costTarget,
    },
    {
      measurement: `processor, ${smallDropped.segments} segments, emitted events dropped`,
      value: smallDropped.usPerEvent,
      unit: 'µs/event',
      note: spread(smallDropped.rounds),
    },
    {
      measurement: `processor, ${largeDropped.segments} segments, emitted events dropped`,
      value: largeDropped.usPerEvent,
      unit: 'µs/event',
      note: spread(largeDropped.rounds),
    },
    {
      measurement: 'cost ratio, emitted events dropped',
      value: ratioDropped,
      unit: '×',
      note: 'the ingested events alone, without the Segment Entered / Exited events they cause',
    },
    {
      measurement: `memberships, ${large.segments} segments`,
      value: memory.bytesPerProfile,
      unit: 'bytes/profile',
      note: `${memory.membershipsPerProfile.toFixed(1)} per profile, ${memory.bytesPerMembership.toFixed(1)} bytes each (ids shared with the config)`,
    },
    {
      measurement: 'memberships, loaded from the store',
      value: memory.loadedBytesPerProfile,
      unit: 'bytes/profile',
      note: `${memory.loadedBytesPerMembership.toFixed(1)} bytes each (own id strings); ${formatNumber(memory.jsonBytesPerProfile)} bytes of JSON`,
    },
  );
  report.notes.push(
    `Stream: ${formatNumber(small.ingested)} events of ${formatNumber(memory.profiles)} people. Membership changes per event: ${small.changesPerEvent.toFixed(2)} (${small.segments} segments), ${large.changesPerEvent.toFixed(2)} (${large.segments}); each is a Segment Entered / Exited event the processor appends to the log and applies. $segments timers fired per event: ${small.timersPerEvent.toFixed(3)} and ${large.timersPerEvent.toFixed(3)}. Memberships per profile at the end: ${small.membershipsPerProfile.toFixed(1)} and ${large.membershipsPerProfile.toFixed(1)}.`,
  );
}

function reportRankError(report: SuiteReport, options: RankErrorOptions): void {
  const result = measureRankError(options);
  const scenarios = [
    ['clean', result.clean],
    ['churn', result.churned],
    ['growth', result.growth],
    ['continuous', result.continuous],
  ] as const;
  const worst = Math.max(...scenarios.map(([, r]) => r.maxRankError));
  report.figures.cohort_rank_error = round(worst, 6);
  report.figures.cohort_band_mismatch = round(
    Math.max(...scenarios.map(([, r]) => r.bandMismatch)),
    4,
  );
  for (const [name, r] of scenarios) {
    report.figures[`cohort_rank_error_${name}`] = round(r.maxRankError, 6);
    report.figures[`cohort_mean_rank_error_${name}`] = round(r.meanRankError, 7);
    report.rows.push({
      measurement: `cohort max rank error, ${name}`,
      value: 100 * r.maxRankError,
      unit: '%',
      note: `max ${(100 * r.maxRankError).toPrecision(2)} %, mean ${(100 * r.meanRankError).toPrecision(2)} %, band mismatch ${(100 * r.bandMismatch).toFixed(2)} %, churn ${r.churn.toFixed(2)}, ${r.centroids} centroids`,
    });
  }
  report.notes.push(
    `Cohort population: ${formatNumber(result.population)} engagement-like values (integers 0–100, ${(100 * result.tied).toFixed(0)} % in ties), bands 20/50/30; churn = every value replaced ${options.churnRounds} times, growth = every value rising to its final level over ${options.churnRounds} replacements; continuous = log-normal values without ties, with that churn. cohort_rank_error is the worst of the four (${result.seconds.toFixed(1)} s).`,
  );
}

function reportBackfill(report: SuiteReport, result: Backfill): void {
  report.figures.segment_backfill_profiles_per_s = round(result.profilesPerSecond);
  report.figures.segment_backfill_profiles = result.profiles;
  report.figures.segment_backfill_entered_share = round(result.entered / result.profiles, 3);
  report.rows.push({
    measurement: `back-fill of one new segment, ${formatNumber(result.profiles)} profiles`,
    value: result.profilesPerSecond,
    unit: 'profiles/s',
    note: `${result.seconds.toFixed(1)} s; ${formatNumber(result.entered)} entered; store filled in ${result.fillSeconds.toFixed(0)} s, ${formatNumber(result.databaseBytesPerProfile)} bytes/profile on disk`,
  });
}

/** Top costs of the busiest thread of the large configuration's child. */
function reportCpuProfile(report: SuiteReport, dir: string, since: number): void {
  const paths = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(dir, name))
        .filter((path) => statSync(path).mtimeMs >= since)
    : [];
  const summaries = paths
    .map((path) => summarizeCpuProfile(path, 15, repoRoot))
    .sort((a, b) => b.busySamples - a.busySamples);
  const busiest = summaries[0];
  if (busiest === undefined) {
    report.notes.push(`no .cpuprofile written in ${dir}`);
    return;
  }
  const lines = (costs: readonly { name: string; share: number }[]) =>
    costs
      .map((cost) => `    ${(100 * cost.share).toFixed(1).padStart(5)} %  ${cost.name}`)
      .join('\n');
  report.notes.push(
    `CPU profile of the ${sizes[1]}-segment child (${dir}; share of busy time, stream building included)\n` +
      `  self time by function:\n${lines(busiest.functions)}\n` +
      `  total time (callees included) of our functions:\n${lines(busiest.ownTotals)}`,
  );
}
