import type { DecisionPush, DecisionPushOptions } from './decide-push.js';
import type { DecideThroughput, DecideThroughputOptions } from './decide-throughput.js';
import type { DecideLoad } from './decide-load.js';
import { round } from './stats.js';
import type { SuiteReport } from './suite.js';
import { formatNumber } from './table.js';

/** ARCHITECTURE §5. */
export const decideTargets = { ratioVsBare: 0.5, decideP99Ms: 5, pushP99Ms: 10 };

const latency = (load: DecideLoad) =>
  `p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms, max ${load.maxMs.toFixed(1)} ms`;

/** Figures, rows and notes of the decide throughput runs. */
export function reportThroughput(
  report: SuiteReport,
  result: DecideThroughput,
  options: Omit<DecideThroughputOptions, 'users'>,
): void {
  const { server, token, paced, bare } = result;
  const ratio = server.requestsPerSecond / bare.requestsPerSecond;
  Object.assign(report.figures, {
    decide_ratio_vs_bare_fastify: round(ratio, 3),
    decide_rps: round(server.requestsPerSecond),
    decide_bare_fastify_rps: round(bare.requestsPerSecond),
    decide_token_rps: round(token.requestsPerSecond),
    decide_token_ratio_vs_bare_fastify: round(token.requestsPerSecond / bare.requestsPerSecond, 3),
    decide_p50_ms: round(server.p50Ms, 2),
    decide_p99_ms: round(server.p99Ms, 2),
    decide_token_p99_ms: round(token.p99Ms, 2),
    decide_bare_fastify_p99_ms: round(bare.p99Ms, 2),
    decide_paced_p50_ms: round(paced.p50Ms, 2),
    decide_paced_p99_ms: round(paced.p99Ms, 2),
    decide_answer_bytes: round(server.bytesPerAnswer),
  });
  const percentOfBare = (load: DecideLoad) =>
    `${((100 * load.requestsPerSecond) / bare.requestsPerSecond).toFixed(0)} % of bare Fastify`;
  const saturated = `${options.connections} connections`;
  report.rows.push(
    {
      measurement: 'decide, secret key, 3 placements',
      value: server.requestsPerSecond,
      unit: 'req/s',
      note: `${percentOfBare(server)}; ${saturated}`,
    },
    {
      measurement: 'decide, write key + user token',
      value: token.requestsPerSecond,
      unit: 'req/s',
      note: `${percentOfBare(token)}; ${latency(token)}`,
    },
    {
      measurement: 'bare Fastify route, same bodies, same answer',
      value: bare.requestsPerSecond,
      unit: 'req/s',
      note: latency(bare),
    },
    {
      measurement: 'decide ratio engine (secret key) / bare Fastify',
      value: 100 * ratio,
      unit: '%',
      target: `≥ ${100 * decideTargets.ratioVsBare} %`,
      met: ratio >= decideTargets.ratioVsBare,
    },
    {
      measurement: 'decide latency p99, saturated (secret key)',
      value: server.p99Ms,
      unit: 'ms',
      target: `≤ ${decideTargets.decideP99Ms}`,
      met: server.p99Ms <= decideTargets.decideP99Ms,
      note: `${latency(server)}; ${saturated}`,
    },
    {
      measurement: `decide latency p99 at ${formatNumber(options.pacedRate)} req/s`,
      value: paced.p99Ms,
      unit: 'ms',
      note: `${latency(paced)}; ${formatNumber(paced.requestsPerSecond)} req/s achieved`,
    },
  );
  const failures = [server, token, paced, bare].filter((load) => load.failed > 0);
  const sources = Object.entries(result.sources)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, count]) => `${source} ${count}`)
    .join(', ');
  report.notes.push(
    `decide: answers of ${formatNumber(server.bytesPerAnswer)} bytes (headers included; the bare peer sends the engine's answer for the first user, ${formatNumber(bare.bytesPerAnswer)} bytes). ` +
      `Server-side decide time (onramp_decide_duration_seconds, bucket bounds) p50 ≤ ${result.serverDecideP50Ms} ms, p99 ≤ ${result.serverDecideP99Ms} ms. ` +
      `Decisions of the first 200 users by source: ${sources}.` +
      (failures.length === 0
        ? ''
        : ` Failed requests: ${failures.map((load) => `${load.failed} (${load.firstFailure ?? 'connection error'})`).join('; ')}.`),
  );
}

/** Figures, rows and notes of the decision push run; `server` is the engine's own histogram. */
export function reportDecisionPush(
  report: SuiteReport,
  result: DecisionPush,
  options: Pick<DecisionPushOptions, 'streams' | 'eventsPerSecond' | 'toggleShare' | 'seconds'>,
  server: { count: number; p50Ms: number; p99Ms: number },
): void {
  if (result.count === 0) throw new Error('no toggle was seen pushed');
  Object.assign(report.figures, {
    decision_push_p50_ms: round(result.p50, 2),
    decision_push_p99_ms: round(result.p99, 2),
    decision_push_max_ms: round(result.max, 1),
    decision_push_events_per_s: round(result.eventsPerSecond),
    decision_push_samples: result.count,
    decision_push_server_p99_ms: round(server.p99Ms, 1),
  });
  report.rows.push(
    {
      measurement: 'event → pushed decision p50',
      value: result.p50,
      unit: 'ms',
      note: `${formatNumber(result.count)} toggles of ${options.streams} streamed users`,
    },
    {
      measurement: 'event → pushed decision p99',
      value: result.p99,
      unit: 'ms',
      target: `≤ ${decideTargets.pushP99Ms}`,
      met: result.p99 <= decideTargets.pushP99Ms,
      note: `max ${result.max.toFixed(1)} ms`,
    },
    {
      measurement: 'events ingested during the push run',
      value: result.eventsPerSecond,
      unit: 'events/s',
      note: `asked ${formatNumber(options.eventsPerSecond)}; ${100 * options.toggleShare} % toggle a streamed user's decision`,
    },
  );
  report.notes.push(
    `decision push: ${formatNumber(result.pushes)} decision messages received, ${result.missing} toggles never seen pushed, ` +
      `${result.skipped} toggles skipped (two in flight), ${result.failedBatches} batches failed; ` +
      `engine's onramp_event_to_decision_push_seconds over the run: ${formatNumber(server.count)} pushes, ` +
      `p50 ≤ ${server.p50Ms} ms, p99 ≤ ${server.p99Ms} ms (bucket bounds, from receipt to write); ` +
      `load generator event-loop delay p99 ${result.clientLoopDelayP99Ms.toFixed(1)} ms (1 ms sampling)`,
  );
}

/** Figures and row of the push load against the bare peer (the harness floor). */
export function reportDecisionPushFloor(report: SuiteReport, floor: DecisionPush): void {
  if (floor.count === 0) throw new Error('no toggle was seen pushed by the bare peer');
  Object.assign(report.figures, {
    decision_push_floor_p50_ms: round(floor.p50, 2),
    decision_push_floor_p99_ms: round(floor.p99, 2),
  });
  report.rows.push({
    measurement: 'event → pushed decision p99, bare peer (harness floor)',
    value: floor.p99,
    unit: 'ms',
    note:
      `p50 ${floor.p50.toFixed(2)} ms, max ${floor.max.toFixed(1)} ms; ${formatNumber(floor.count)} toggles, ` +
      `${floor.missing} never pushed; load generator event-loop delay p99 ${floor.clientLoopDelayP99Ms.toFixed(1)} ms`,
  });
}
