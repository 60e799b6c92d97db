import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from './lib/child-server.js';
import type { Cleanup } from './lib/cleanup.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { startBarePushPeer, startDecideEngine, type DecideEngine } from './lib/decide-engine.js';
import {
  fetchMetricsText,
  histogramCount,
  histogramDelta,
  quantileBound,
  readHistogram,
} from './lib/decide-metrics.js';
import { measureDecisionPush, type DecisionPushOptions } from './lib/decide-push.js';
import { seedUsers } from './lib/decide-seed.js';
import { measureDecideThroughput, type DecideThroughputOptions } from './lib/decide-throughput.js';
import {
  reportDecisionPush,
  reportDecisionPushFloor,
  reportThroughput,
} from './lib/decide-report.js';
import type { Suite, SuiteReport } from './lib/suite.js';
import { formatNumber } from './lib/table.js';

export interface DecideBenchOptions {
  /** Users seeded before anything is measured. */
  users: number;
  throughput: Omit<DecideThroughputOptions, 'users'>;
  push: Omit<
    DecisionPushOptions,
    'url' | 'writeKey' | 'identitySecret' | 'authorization' | 'users'
  >;
  /** Runs the engine with --cpu-prof into this directory and prints its top costs. */
  cpuProfileDir?: string;
}

/** Knobs, from the environment (documented in docs/benchmarks.md). */
export function decideOptionsFromEnv(env: NodeJS.ProcessEnv): DecideBenchOptions {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const seconds = number('BENCH_SECONDS', 10);
  const warmupSeconds = number('BENCH_WARMUP_SECONDS', 2);
  return {
    users: Math.round(number('BENCH_DECIDE_USERS', 10_000)),
    throughput: {
      connections: Math.round(number('BENCH_DECIDE_CONNECTIONS', 10)),
      warmupSeconds,
      seconds,
      pacedRate: number('BENCH_DECIDE_PACED_RATE', 1000),
      pacedSeconds: Math.min(5, seconds),
    },
    push: {
      streams: Math.round(number('BENCH_DECIDE_STREAMS', 200)),
      eventsPerSecond: number('BENCH_PUSH_RATE', 5000),
      toggleShare: 0.1,
      batchMs: 10,
      warmupSeconds: 1,
      seconds,
    },
    ...(env.BENCH_CPU_PROF === undefined ? {} : { cpuProfileDir: resolve(env.BENCH_CPU_PROF) }),
  };
}

/**
 * The decide budgets (ARCHITECTURE §5): decide throughput against a bare Fastify
 * route and its latency, and event → pushed decision latency, on the real engine
 * with a realistic content, flow and rule config and seeded users.
 */
export const decideSuite: Suite = {
  name: 'decide',
  description:
    'POST /client/v1/decide req/s vs bare Fastify and p99; event → pushed decision p99 at 5 000 events/s',
  timeoutMs: 15 * 60_000,
  run: async (context) =>
    measureDecide(decideOptionsFromEnv(process.env), context.log, context.cleanup),
};

/** Starts the engine, seeds the users, then measures decide and the decision push. */
export async function measureDecide(
  options: DecideBenchOptions,
  log: (message: string) => void,
  cleanup: Cleanup,
): Promise<SuiteReport> {
  const report: SuiteReport = { figures: {}, rows: [], notes: [], errors: [] };
  const attempt = async (what: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      report.errors.push(`${what}: ${(error as Error).stack ?? String(error)}`);
    }
  };
  if (options.cpuProfileDir !== undefined) mkdirSync(options.cpuProfileDir, { recursive: true });
  const profiledSince = Date.now();
  const engine = await startDecideEngine(cleanup, options.cpuProfileDir);
  try {
    log(`decide: seeding ${formatNumber(options.users)} users`);
    const seeded = await seedUsers({
      url: engine.url,
      authorization: engine.ingestAuthorization,
      users: options.users,
      batchSize: 100,
      concurrency: 4,
      applyTimeoutMs: 300_000,
    });
    report.notes.push(
      `seeded ${formatNumber(options.users)} users with ${formatNumber(seeded.events)} events ` +
        `(${(seeded.events / options.users).toFixed(1)} per user) in ${seeded.seconds.toFixed(1)} s, applied and committed`,
    );
    await attempt('decide throughput', async () => {
      const throughput = await measureDecideThroughput(
        engine,
        { ...options.throughput, users: options.users },
        cleanup,
        log,
      );
      reportThroughput(report, throughput, options.throughput);
    });
    await attempt('decision push', async () => measurePush(engine, options, log, report));
  } finally {
    await engine.stop();
  }
  await attempt('decision push floor', async () => measurePushFloor(options, log, cleanup, report));
  if (options.cpuProfileDir !== undefined) {
    reportCpuProfile(options.cpuProfileDir, profiledSince, report);
  }
  return report;
}

async function measurePush(
  engine: DecideEngine,
  options: DecideBenchOptions,
  log: (message: string) => void,
  report: SuiteReport,
): Promise<void> {
  const { push } = options;
  log(
    `decision push: ${push.streams} streams, ${formatNumber(push.eventsPerSecond)} events/s ` +
      `(${100 * push.toggleShare} % toggles) for ${push.warmupSeconds} + ${push.seconds} s`,
  );
  const metric = 'onramp_event_to_decision_push_seconds';
  const before = readHistogram((await fetchMetricsText(engine.url)) ?? '', metric);
  const result = await measureDecisionPush({
    ...push,
    url: engine.url,
    writeKey: engine.writeKey,
    identitySecret: engine.identitySecret,
    authorization: engine.ingestAuthorization,
    users: options.users,
  });
  const after = readHistogram((await fetchMetricsText(engine.url)) ?? '', metric);
  const server = histogramDelta(before, after);
  const bound = (q: number) =>
    histogramCount(server) > 0 ? 1000 * quantileBound(server, q) : Number.NaN;
  reportDecisionPush(report, result, push, {
    count: histogramCount(server),
    p50Ms: bound(0.5),
    p99Ms: bound(0.99),
  });
}

/**
 * The same push load against the bare peer, with the engine stopped: what the load
 * generator, the loopback and the two cores cost without any engine work.
 */
async function measurePushFloor(
  options: DecideBenchOptions,
  log: (message: string) => void,
  cleanup: Cleanup,
  report: SuiteReport,
): Promise<void> {
  const seconds = Math.min(5, options.push.seconds);
  log(`decision push floor: the same load for ${seconds} s against the bare peer`);
  const peer = await startBarePushPeer(cleanup);
  try {
    const floor = await measureDecisionPush({
      ...options.push,
      seconds,
      url: peer.url,
      writeKey: 'unused',
      identitySecret: 'unused-identity-secret-000000001',
      authorization: 'Basic dW51c2VkOg==',
      users: options.users,
    });
    reportDecisionPushFloor(report, floor);
  } finally {
    await peer.stop();
  }
}

/** Summarizes the busiest thread's profile (tsx's loader thread writes one too) among the new ones. */
function reportCpuProfile(dir: string, since: number, report: SuiteReport): void {
  const profiles = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).mtimeMs >= since)
    .map((path) => ({ path, summary: summarizeCpuProfile(path, 20, repoRoot) }))
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
    `engine CPU profile ${busiest.path}\n  (self time as a share of busy time; the main thread was busy ${busyShare} % of the run, seeding included)\n` +
      `  self time by function:\n${lines(functions)}\n  self time by file:\n${lines(files)}\n` +
      `  total time (callees included) of our functions:\n${lines(ownTotals)}`,
  );
}
