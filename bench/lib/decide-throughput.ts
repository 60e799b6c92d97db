import { signUserToken } from '../../packages/server/src/realtime/user-token.js';
import type { Cleanup } from './cleanup.js';
import { decidePlacements } from './decide-config.js';
import { startBareDecidePeer, type DecideEngine } from './decide-engine.js';
import { measureDecideLoad, type DecideLoad } from './decide-load.js';
import { measurePacedDecide } from './decide-paced.js';
import {
  fetchMetricsText,
  histogramCount,
  histogramDelta,
  quantileBound,
  readHistogram,
} from './decide-metrics.js';
import { benchUserId } from './decide-seed.js';

export interface DecideThroughputOptions {
  /** Seeded users the requests cycle through. */
  users: number;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** The paced run: requests per second, and its length. */
  pacedRate: number;
  pacedSeconds: number;
}

export interface DecideThroughput {
  /** Secret key (`Authorization: Bearer`), saturating. */
  server: DecideLoad;
  /** Write key + user token in the body, saturating. */
  token: DecideLoad;
  /** Secret key at a fixed rate below saturation. */
  paced: DecideLoad;
  bare: DecideLoad;
  /** Server-side decide time (onramp_decide_duration_seconds) in the secret-key run: bucket bounds, ms. */
  serverDecideP50Ms: number;
  serverDecideP99Ms: number;
  /** Where the decisions of a sample of 200 users came from: "banner: rule" → count… */
  sources: Record<string, number>;
}

/** Request context of every call: the page the user is on. */
const context = { page: { path: '/projects', url: 'https://app.example.com/projects' } };

/** One body per user, cycling: `{ userId, placements, context }`, with the write key and token for browsers. */
export function decideBodies(
  users: number,
  browser?: { writeKey: string; identitySecret: string },
): string[] {
  return Array.from({ length: users }, (_, index) => {
    const userId = benchUserId(index);
    return JSON.stringify({
      userId,
      ...(browser === undefined
        ? {}
        : { writeKey: browser.writeKey, token: signUserToken(userId, browser.identitySecret) }),
      placements: decidePlacements,
      context,
    });
  });
}

/**
 * Saturates POST /client/v1/decide with the secret key, the bare peer with the
 * same bodies, decide with user tokens, then decide at a fixed rate; all with
 * the same connections, cycling through the seeded users.
 */
export async function measureDecideThroughput(
  engine: DecideEngine,
  options: DecideThroughputOptions,
  cleanup: Cleanup,
  log: (message: string) => void,
): Promise<DecideThroughput> {
  const serverBodies = decideBodies(options.users);
  const serverHeaders = { authorization: `Bearer ${engine.adminKey}` };
  const sample = await sampleAnswers(engine, serverBodies.slice(0, 200));
  const load = async (
    url: string,
    what: string,
    headers: Record<string, string>,
    bodies: string[],
    rate?: number,
  ) => {
    const seconds = rate === undefined ? options.seconds : options.pacedSeconds;
    const pace = rate === undefined ? '' : ` at ${rate} req/s`;
    log(
      `decide: ${what}, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${seconds} s${pace}`,
    );
    const run = {
      url,
      path: '/client/v1/decide',
      headers,
      bodies,
      connections: options.connections,
      warmupSeconds: options.warmupSeconds,
      seconds,
    };
    const result =
      rate === undefined
        ? await measureDecideLoad(run)
        : await measurePacedDecide({ ...run, rate });
    if (result.requestsPerSecond === 0) {
      throw new Error(
        `${what}: no request answered 2xx; first failure: ${result.firstFailure ?? '(connection error)'}`,
      );
    }
    return result;
  };

  const before = readHistogram((await fetchMetricsText(engine.url)) ?? '', decideMetric);
  const server = await load(engine.url, 'engine, secret key', serverHeaders, serverBodies);
  const after = readHistogram((await fetchMetricsText(engine.url)) ?? '', decideMetric);
  const decideTimes = histogramDelta(before, after);

  const bareServer = await startBareDecidePeer(cleanup, engine.scratchDir, sample.answer);
  const bare = await load(bareServer.url, 'bare Fastify peer', serverHeaders, serverBodies);
  await bareServer.stop();

  const tokenBodies = decideBodies(options.users, engine);
  const token = await load(engine.url, 'engine, write key + user token', {}, tokenBodies);
  const paced = await load(
    engine.url,
    'engine, secret key, paced',
    serverHeaders,
    serverBodies,
    options.pacedRate,
  );
  return {
    server,
    token,
    paced,
    bare,
    serverDecideP50Ms:
      histogramCount(decideTimes) > 0 ? 1000 * quantileBound(decideTimes, 0.5) : Number.NaN,
    serverDecideP99Ms:
      histogramCount(decideTimes) > 0 ? 1000 * quantileBound(decideTimes, 0.99) : Number.NaN,
    sources: sample.sources,
  };
}

const decideMetric = 'onramp_decide_duration_seconds';

interface AnswerShape {
  decisions?: Record<string, { reason?: { type?: string }; content?: unknown }>;
}

/**
 * Decides once for each body with the secret key: checks every answer holds the
 * asked placements, counts where their decisions came from, and keeps the first
 * answer for the bare peer to send.
 */
async function sampleAnswers(
  engine: DecideEngine,
  bodies: readonly string[],
): Promise<{ answer: unknown; sources: Record<string, number> }> {
  const sources: Record<string, number> = {};
  let first: unknown;
  for (const body of bodies) {
    const response = await fetch(`${engine.url}/client/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${engine.adminKey}` },
      body,
    });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`decide answered ${response.status}: ${text.slice(0, 300)}`);
    const answer = JSON.parse(text) as AnswerShape;
    for (const placement of decidePlacements) {
      const decision = answer.decisions?.[placement];
      if (decision === undefined)
        throw new Error(`decide left out placement ${placement}: ${text.slice(0, 300)}`);
      const source = decision.content === null ? 'nothing' : (decision.reason?.type ?? '?');
      const key = `${placement}: ${source}`;
      sources[key] = (sources[key] ?? 0) + 1;
    }
    first ??= answer;
  }
  return { answer: first, sources };
}
