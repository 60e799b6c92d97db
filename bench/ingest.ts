import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChildServer } from './lib/child-server.js';
import { repoRoot } from './lib/child-server.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import {
  startBareFastify,
  startEngine,
  type Durability,
  type EngineServer,
} from './lib/engine-process.js';
import { scrapeMetric } from './lib/engine-metrics.js';
import { measureThroughput, type Throughput, type ThroughputOptions } from './lib/http-load.js';
import { createBatchSource } from './lib/ingest-bodies.js';
import { measureProfileMemory } from './lib/profile-memory.js';
import { measurePushLatency, type PushLatency } from './lib/push-latency.js';
import { round } from './lib/stats.js';
import type { Suite, SuiteContext, SuiteReport } from './lib/suite.js';
import { formatNumber } from './lib/table.js';

/** Knobs, from the environment (documented in docs/benchmarks.md). */
function optionsFromEnv(env: NodeJS.ProcessEnv) {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  return {
    seconds: number('BENCH_SECONDS', 10),
    warmupSeconds: number('BENCH_WARMUP_SECONDS', 2),
    connections: number('BENCH_CONNECTIONS', 32),
    batchSize: 100,
    users: number('BENCH_USERS', 10_000),
    profiles: number('BENCH_PROFILES', 100_000),
    pushUsers: 50,
    pushEventsPerSecond: number('BENCH_PUSH_RATE', 5000),
    cpuProfileDir: env.BENCH_CPU_PROF === undefined ? undefined : resolve(env.BENCH_CPU_PROF),
  };
}

type Options = ReturnType<typeof optionsFromEnv>;

const targets = { eventsPerSecond: 100_000, ratioVsBare: 0.5, pushP99Ms: 10, profileBytes: 2048 };

/**
 * The ingest path's budgets (ARCHITECTURE §5): durable ingest throughput against
 * a bare Fastify route, event → push latency, and memory per hot profile.
 */
export const ingestSuite: Suite = {
  name: 'ingest',
  description: 'ingest events/s vs bare Fastify, event → push latency, bytes per profile',
  timeoutMs: 180_000,
  async run(context) {
    const options = optionsFromEnv(process.env);
    const report: SuiteReport = { figures: {}, rows: [], notes: [], errors: [] };
    const attempt = async (what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        report.errors.push(`${what}: ${(error as Error).message}`);
      }
    };
    // Memory last: the load generators then run in a small heap, and the
    // measurement starts from a heap settled by full collections anyway.
    await attempt('ingest throughput', async () => measureIngest(options, context, report));
    globalThis.gc?.();
    await attempt('push latency', async () => measurePush(options, context, report));
    await attempt('profile memory', async () => measureMemory(options, context, report));
    return report;
  },
};

async function measureMemory(
  options: Options,
  context: SuiteContext,
  report: SuiteReport,
): Promise<void> {
  context.log(`profile memory: building ${formatNumber(options.profiles)} profiles in process`);
  const memory = measureProfileMemory(options.profiles);
  report.figures.profile_bytes = round(memory.bytesPerProfile);
  report.figures.profile_state_bytes = round(memory.stateBytesPerProfile);
  const note = `${formatNumber(memory.profiles)} profiles × ${memory.eventsPerProfile} events`;
  report.rows.push(
    {
      measurement: 'memory per profile (state + identity links)',
      value: memory.bytesPerProfile,
      unit: 'bytes',
      target: `≤ ${targets.profileBytes}`,
      met: memory.bytesPerProfile <= targets.profileBytes,
      note,
    },
    {
      measurement: 'memory per profile (state only)',
      value: memory.stateBytesPerProfile,
      unit: 'bytes',
    },
  );
  report.notes.push(
    `profiles: ${note} built and applied in ${memory.buildSeconds.toFixed(1)} s (JSON.parse + applyEvent)`,
  );
}

interface EngineThroughput extends Throughput {
  /** Events the processor applied to profiles per second during the measurement. */
  processedPerSecond: number | undefined;
  /** Events appended but not yet applied when the measurement ended. */
  lagAtEnd: number | undefined;
}

async function measureIngest(
  options: Options,
  context: SuiteContext,
  report: SuiteReport,
): Promise<void> {
  const source = createBatchSource({
    batchSize: options.batchSize,
    templates: 256,
    users: options.users,
  });
  const load = async (
    server: ChildServer,
    authorization: string,
    hooks: Pick<ThroughputOptions, 'beforeMeasure' | 'afterMeasure'> = {},
  ): Promise<Throughput> => {
    context.log(
      `ingest: ${server.name}, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.seconds} s`,
    );
    const result = await measureThroughput({
      url: server.url,
      path: '/v1/batch',
      headers: { authorization },
      source,
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      seconds: options.seconds,
      ...hooks,
    });
    if (result.failed > 0) {
      report.notes.push(
        `${server.name}: ${result.failed} failed requests; first: ${result.firstFailure ?? '(connection error)'}`,
      );
    }
    if (result.eventsPerSecond === 0) throw new Error(`${server.name} acknowledged no request`);
    return result;
  };

  const bareServer = await startBareFastify(context.cleanup);
  const bare = await load(bareServer, 'Basic YmVuY2g6');
  await bareServer.stop();

  const engine = async (
    durability: Durability,
    cpuProfileDir?: string,
  ): Promise<EngineThroughput> => {
    const server = await startEngine({
      durability,
      cleanup: context.cleanup,
      ...(cpuProfileDir === undefined ? {} : { cpuProfileDir }),
    });
    let processedBefore: number | undefined;
    let processedAfter: number | undefined;
    let lagAtEnd: number | undefined;
    let started = 0;
    let seconds = 0;
    const result = await load(server, server.authorization, {
      beforeMeasure: async () => {
        processedBefore = await scrapeMetric(server.url, 'onramp_processor_events_total');
        started = performance.now();
      },
      afterMeasure: async () => {
        seconds = (performance.now() - started) / 1000;
        processedAfter = await scrapeMetric(server.url, 'onramp_processor_events_total');
        lagAtEnd = await scrapeMetric(server.url, 'onramp_log_lag_events');
      },
    });
    await server.stop();
    const processedPerSecond =
      processedBefore === undefined || processedAfter === undefined
        ? undefined
        : (processedAfter - processedBefore) / seconds;
    return { ...result, processedPerSecond, lagAtEnd };
  };
  if (options.cpuProfileDir !== undefined) mkdirSync(options.cpuProfileDir, { recursive: true });
  const profiledSince = Date.now();
  const full = await engine('full', options.cpuProfileDir);
  const normal = await engine('normal');

  const ratio = full.eventsPerSecond / bare.eventsPerSecond;
  report.figures.ingest_events_per_s = round(full.eventsPerSecond);
  report.figures.ingest_ratio_vs_bare_fastify = round(ratio, 3);
  report.figures.ingest_bare_fastify_events_per_s = round(bare.eventsPerSecond);
  report.figures.ingest_events_per_s_normal = round(normal.eventsPerSecond);
  report.figures.ingest_request_p99_ms = round(full.latencyP99Ms, 1);
  if (full.processedPerSecond !== undefined) {
    report.figures.ingest_processed_events_per_s = round(full.processedPerSecond);
  }
  const percentOfBare = (t: Throughput) =>
    `${((100 * t.eventsPerSecond) / bare.eventsPerSecond).toFixed(0)} % of bare Fastify`;
  const latency = (t: Throughput) => `request p50 ${t.latencyP50Ms} ms, p99 ${t.latencyP99Ms} ms`;
  const processing = (t: EngineThroughput) =>
    t.processedPerSecond === undefined
      ? 'processor rate not exposed'
      : `applied to profiles ${formatNumber(t.processedPerSecond)}/s, backlog at end ${t.lagAtEnd === undefined ? '?' : Math.round(t.lagAtEnd)} events`;
  report.rows.push(
    {
      measurement: 'ingest, engine, durability full',
      value: full.eventsPerSecond,
      unit: 'events/s',
      target: `≥ ${formatNumber(targets.eventsPerSecond)}`,
      met: full.eventsPerSecond >= targets.eventsPerSecond,
      note: `${percentOfBare(full)}; ${latency(full)}`,
    },
    {
      measurement: 'ingest, engine, durability normal',
      value: normal.eventsPerSecond,
      unit: 'events/s',
      note: `${percentOfBare(normal)}; ${latency(normal)}`,
    },
    {
      measurement: 'ingest, bare Fastify route',
      value: bare.eventsPerSecond,
      unit: 'events/s',
      note: latency(bare),
    },
    {
      measurement: 'ingest ratio engine (full) / bare Fastify',
      value: 100 * ratio,
      unit: '%',
      target: `≥ ${100 * targets.ratioVsBare} %`,
      met: ratio >= targets.ratioVsBare,
    },
  );
  report.notes.push(
    `ingest: ${options.batchSize}-event batches of ~${formatNumber(source.bytesPerEvent)} bytes per event, ` +
      `${formatNumber(options.users)} users; engine full: ${processing(full)}; normal: ${processing(normal)}`,
  );
  if (options.cpuProfileDir !== undefined) {
    reportCpuProfile(options.cpuProfileDir, profiledSince, report);
  }
}

/** Summarizes the busiest thread's profile (tsx's loader thread writes one too) among the new ones. */
function reportCpuProfile(dir: string, since: number, report: SuiteReport): void {
  const profiles = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).mtimeMs >= since)
    .map((path) => ({ path, summary: summarizeCpuProfile(path, 15, repoRoot) }))
    .sort((a, b) => b.summary.busySamples - a.summary.busySamples);
  const busiest = profiles[0];
  if (busiest === undefined) {
    report.notes.push(`no .cpuprofile written in ${dir}`);
    return;
  }
  const { functions, files, ownTotals, busySamples, totalSamples } = busiest.summary;
  const lines = (costs: { name: string; share: number }[]) =>
    costs
      .map((cost) => `    ${(100 * cost.share).toFixed(1).padStart(5)} %  ${cost.name}`)
      .join('\n');
  const busyShare = ((100 * busySamples) / Math.max(1, totalSamples)).toFixed(0);
  report.notes.push(
    `engine CPU profile ${busiest.path}\n  (self time as a share of busy time; the main thread was busy ${busyShare} % of the run, start-up included)\n` +
      `  self time by function:\n${lines(functions)}\n  self time by file:\n${lines(files)}\n` +
      `  total time (callees included) of our functions:\n${lines(ownTotals)}`,
  );
}

async function measurePush(
  options: Options,
  context: SuiteContext,
  report: SuiteReport,
): Promise<void> {
  const rate = formatNumber(options.pushEventsPerSecond);
  const run = async (server: ChildServer, credentials: Partial<EngineServer>, seconds: number) => {
    context.log(
      `push latency: ${server.name}, ${options.pushUsers} SSE streams, ${rate} events/s for ${seconds} s`,
    );
    return measurePushLatency({
      url: server.url,
      writeKey: credentials.writeKey ?? 'bench',
      identitySecret: credentials.identitySecret ?? 'bench',
      authorization: credentials.authorization ?? 'Basic YmVuY2g6',
      users: options.pushUsers,
      eventsPerSecond: options.pushEventsPerSecond,
      warmupSeconds: 1,
      seconds,
    });
  };
  // The floor: the same load against a server that pushes at once, to tell
  // the engine's latency from the load generator's and the machine's.
  const bareServer = await startBareFastify(context.cleanup, { push: true });
  const floor = await run(bareServer, {}, Math.min(5, options.seconds));
  await bareServer.stop();

  const server = await startEngine({ durability: 'full', cleanup: context.cleanup });
  const push = await run(server, server, options.seconds);
  await server.stop();
  if (push.count === 0) throw new Error('no push arrived');
  report.figures.push_p50_ms = round(push.p50, 2);
  report.figures.push_p99_ms = round(push.p99, 2);
  report.figures.push_floor_p50_ms = round(floor.p50, 2);
  report.figures.push_floor_p99_ms = round(floor.p99, 2);
  report.rows.push(
    {
      measurement: 'event → push latency p50, engine',
      value: push.p50,
      unit: 'ms',
      note: `${formatNumber(push.count)} samples at ${rate} events/s, durability full`,
    },
    {
      measurement: 'event → push latency p99, engine',
      value: push.p99,
      unit: 'ms',
      target: `≤ ${targets.pushP99Ms}`,
      met: push.p99 <= targets.pushP99Ms,
      note: `max ${push.max.toFixed(1)} ms`,
    },
    {
      measurement: 'event → push latency p50, bare peer',
      value: floor.p50,
      unit: 'ms',
      note: 'bare Fastify pushing at once: the harness floor',
    },
    {
      measurement: 'event → push latency p99, bare peer',
      value: floor.p99,
      unit: 'ms',
      note: `max ${floor.max.toFixed(1)} ms`,
    },
  );
  const health = (result: PushLatency) =>
    `${result.missing} pushes never arrived, ${result.failedBatches} batches failed, ` +
    `load generator event-loop delay p99 ${result.clientLoopDelayP99Ms.toFixed(1)} ms (1 ms sampling)`;
  report.notes.push(
    `push: ${options.pushUsers} streams, a ${options.pushUsers}-event batch every ` +
      `${formatNumber((1000 * options.pushUsers) / options.pushEventsPerSecond)} ms. ` +
      `engine: ${health(push)}; bare peer: ${health(floor)}`,
  );
}
