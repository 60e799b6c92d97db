import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChildServer } from './lib/child-server.js';
import { repoRoot } from './lib/child-server.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { startBareFastify, startEngine, type Durability } from './lib/engine-process.js';
import { measureThroughput, type Throughput } from './lib/http-load.js';
import { createBatchSource } from './lib/ingest-bodies.js';
import { measureProfileMemory } from './lib/profile-memory.js';
import { measurePushLatency } from './lib/push-latency.js';
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
    await attempt('profile memory', async () => measureMemory(options, context, report));
    await attempt('ingest throughput', async () => measureIngest(options, context, report));
    await attempt('push latency', async () => measurePush(options, context, report));
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

async function measureIngest(
  options: Options,
  context: SuiteContext,
  report: SuiteReport,
): Promise<void> {
  const source = createBatchSource({ batchSize: options.batchSize, templates: 256, users: 10_000 });
  const load = async (server: ChildServer, authorization: string): Promise<Throughput> => {
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

  const engine = async (durability: Durability, cpuProfileDir?: string) => {
    const server = await startEngine({
      durability,
      cleanup: context.cleanup,
      ...(cpuProfileDir === undefined ? {} : { cpuProfileDir }),
    });
    const result = await load(server, server.authorization);
    await server.stop();
    return result;
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
  const percentOfBare = (t: Throughput) =>
    `${((100 * t.eventsPerSecond) / bare.eventsPerSecond).toFixed(0)} % of bare Fastify`;
  const latency = (t: Throughput) => `request p50 ${t.latencyP50Ms} ms, p99 ${t.latencyP99Ms} ms`;
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
  const { functions, files, busySamples, totalSamples } = busiest.summary;
  const lines = (costs: { name: string; share: number }[]) =>
    costs
      .map((cost) => `    ${(100 * cost.share).toFixed(1).padStart(5)} %  ${cost.name}`)
      .join('\n');
  const busyShare = ((100 * busySamples) / Math.max(1, totalSamples)).toFixed(0);
  report.notes.push(
    `engine CPU profile ${busiest.path}\n  (self time as a share of busy time; the main thread was busy ${busyShare} % of the run, start-up included)\n` +
      `  by function:\n${lines(functions)}\n  by file:\n${lines(files)}`,
  );
}

async function measurePush(
  options: Options,
  context: SuiteContext,
  report: SuiteReport,
): Promise<void> {
  const server = await startEngine({ durability: 'full', cleanup: context.cleanup });
  context.log(
    `push latency: ${options.pushUsers} SSE streams, ${formatNumber(options.pushEventsPerSecond)} events/s for ${options.seconds} s`,
  );
  const push = await measurePushLatency({
    url: server.url,
    writeKey: server.writeKey,
    identitySecret: server.identitySecret,
    authorization: server.authorization,
    users: options.pushUsers,
    eventsPerSecond: options.pushEventsPerSecond,
    warmupSeconds: 1,
    seconds: options.seconds,
  });
  await server.stop();
  if (push.count === 0) throw new Error('no push arrived');
  report.figures.push_p50_ms = round(push.p50, 2);
  report.figures.push_p99_ms = round(push.p99, 2);
  const note = `${formatNumber(push.count)} samples at ${formatNumber(options.pushEventsPerSecond)} events/s, durability full`;
  report.rows.push(
    { measurement: 'event → push latency p50', value: push.p50, unit: 'ms', note },
    {
      measurement: 'event → push latency p99',
      value: push.p99,
      unit: 'ms',
      target: `≤ ${targets.pushP99Ms}`,
      met: push.p99 <= targets.pushP99Ms,
      note: `max ${push.max.toFixed(1)} ms`,
    },
  );
  if (push.missing > 0 || push.failedBatches > 0) {
    report.notes.push(
      `push: ${push.missing} pushes never arrived, ${push.failedBatches} batches failed`,
    );
  }
}
