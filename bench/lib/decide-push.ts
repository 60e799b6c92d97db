import { randomUUID } from 'node:crypto';
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSseParser } from '../../packages/server/src/testing/sse-client.js';
import { signUserToken } from '../../packages/server/src/realtime/user-token.js';
import { livePlacement, toggleEvent } from './decide-config.js';
import { benchUserId } from './decide-seed.js';
import { liveContentIn, ToggleTracker } from './decide-toggles.js';
import { seededRandom } from './ingest-bodies.js';
import { summarize, type Summary } from './stats.js';

export interface DecisionPushOptions {
  url: string;
  writeKey: string;
  identitySecret: string;
  /** `Authorization` header of the ingest API. */
  authorization: string;
  /** Seeded users 0..streams-1 open a decision stream each (every placement). */
  streams: number;
  /** The other events go to seeded users 0..users-1 at random. */
  users: number;
  eventsPerSecond: number;
  /** Share of the events that toggle a streamed user's `live` placement. */
  toggleShare: number;
  /** A batch is sent every this many ms. */
  batchMs: number;
  warmupSeconds: number;
  seconds: number;
}

export interface DecisionPush extends Summary {
  /** Measured toggles sent (one sample each when its push arrives). */
  toggles: number;
  /** Measured toggles whose push never arrived within the drain time. */
  missing: number;
  /** Toggles replaced by another event because two were in flight for that user. */
  skipped: number;
  /** `decisions` messages received during the measurement, all placements. */
  pushes: number;
  /** Events of the measured batches acknowledged, and their rate. */
  events: number;
  eventsPerSecond: number;
  failedBatches: number;
  /** p99 of the load generator's own event-loop delay: a floor under the figures above. */
  clientLoopDelayP99Ms: number;
}

interface Stream {
  request: ClientRequest;
  tracker: ToggleTracker;
}

/**
 * Event → pushed decision: one decision stream (SSE) per streamed user, then a
 * batch every `batchMs` at a steady rate, where a share of the events are
 * `Bench Toggle` events that make a rule decide the user's `live` placement
 * (alternately `live-a` and `live-b`) and the rest are ordinary onboarding events
 * of any user. One sample per toggle: from writing its batch to the arrival of
 * the bytes of the push that shows it (decide-toggles.ts).
 */
export async function measureDecisionPush(options: DecisionPushOptions): Promise<DecisionPush> {
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const random = seededRandom(7);
  const perBatch = Math.max(1, Math.round((options.eventsPerSecond * options.batchMs) / 1000));
  const togglesPerBatch = Math.max(1, Math.round(perBatch * options.toggleShare));
  const warmupBatches = Math.round((options.warmupSeconds * 1000) / options.batchMs);
  const totalBatches = warmupBatches + Math.round((options.seconds * 1000) / options.batchMs);
  const samples: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const counts = { toggles: 0, skipped: 0, pushes: 0, events: 0, failedBatches: 0 };
  let measuring = false;
  let cursor = 0;
  // Message ids of this run only: a second run against the same engine is not de-duplicated away.
  const runId = randomUUID().slice(0, 8);

  const opened = await Promise.allSettled(
    Array.from({ length: options.streams }, (_, i) => openStream(benchUserId(i))),
  );
  const streams = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    await waitFor(() => streams.every((s) => s.tracker.isPrimed), 10_000).catch(() => {
      const silent = streams.filter((s) => !s.tracker.isPrimed).length;
      throw new Error(`${silent} of ${streams.length} streams sent no first message within 10 s`);
    });

    loopDelay.enable();
    const start = performance.now();
    let measuredFrom = start;
    let lastAck = start;
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; k < totalBatches; k++) {
      const wait = start + k * options.batchMs - performance.now();
      if (wait >= 1) await sleep(wait);
      const measured = k >= warmupBatches;
      if (measured && !measuring) {
        measuring = true;
        measuredFrom = performance.now();
      }
      const sending = sendBatch(k, measured).then((acked) => {
        if (!measured) return;
        counts.events += acked;
        lastAck = performance.now();
      });
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    }
    await Promise.all(inFlight);
    await waitFor(() => streams.every((s) => s.tracker.pending(true) === 0), 5000).catch(
      () => undefined,
    );
    measuring = false;
    loopDelay.disable();
    const missing = streams.reduce((sum, s) => sum + s.tracker.pending(true), 0);
    return {
      ...summarize(samples),
      ...counts,
      missing,
      eventsPerSecond: (1000 * counts.events) / Math.max(1, lastAck - measuredFrom),
      clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
  } finally {
    for (const stream of streams) stream.request.destroy();
    agent.destroy();
  }

  function openStream(userId: string): Promise<Stream> {
    const query = new URLSearchParams({
      writeKey: options.writeKey,
      userId,
      token: signUserToken(userId, options.identitySecret),
    });
    return new Promise((resolve, reject) => {
      const stream: Stream = {
        request: request({
          host: base.hostname,
          port: base.port,
          path: `/client/v1/decisions/stream?${query}`,
          headers: { accept: 'text/event-stream' },
          agent: false,
        }),
        tracker: new ToggleTracker(),
      };
      let arrived = 0;
      const parser = createSseParser({
        onEvent: ({ event, data }) => {
          if (event !== 'decisions') return;
          const content = liveContentIn(data, livePlacement);
          if (!stream.tracker.isPrimed) return stream.tracker.prime(content ?? undefined);
          if (measuring) counts.pushes++;
          if (content !== null) samples.push(...stream.tracker.pushed(content, arrived));
        },
      });
      stream.request.once('error', reject);
      stream.request.once('socket', (socket) => socket.setNoDelay(true));
      stream.request.once('response', (response: IncomingMessage) => {
        if (response.statusCode !== 200) {
          stream.request.destroy();
          reject(new Error(`GET /client/v1/decisions/stream answered ${response.statusCode}`));
          return;
        }
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          arrived = performance.now();
          parser.push(chunk);
        });
        response.on('error', () => undefined); // destroyed at the end
        resolve(stream);
      });
      stream.request.end();
    });
  }

  /** Sends batch k; resolves with the events acknowledged (0 when refused). */
  function sendBatch(k: number, measured: boolean): Promise<number> {
    const timestamp = new Date().toISOString();
    const batch: Record<string, unknown>[] = [];
    const toggled: { tracker: ToggleTracker; side: 'a' | 'b' }[] = [];
    for (let t = 0; t < togglesPerBatch; t++) {
      const index = cursor++ % streams.length;
      const tracker = (streams[index] as Stream).tracker;
      const side = tracker.nextSide();
      if (side === undefined) {
        counts.skipped++;
        continue;
      }
      toggled.push({ tracker, side });
      batch.push({
        type: 'track',
        event: toggleEvent,
        userId: benchUserId(index),
        properties: { side, batch: k },
      });
    }
    while (batch.length < perBatch) batch.push(otherEvent(Math.floor(random() * options.users)));
    const body = JSON.stringify({
      batch: batch.map((message, i) => ({
        ...message,
        messageId: `push-${runId}-${k}-${i}`,
        timestamp,
      })),
    });
    const sentAt = performance.now();
    for (const { tracker, side } of toggled) tracker.sent(side, sentAt, measured);
    if (measured) counts.toggles += toggled.length;
    return post(body, batch.length);
  }

  function post(body: string, events: number): Promise<number> {
    return new Promise((resolve) => {
      const sending = request(
        {
          host: base.hostname,
          port: base.port,
          path: '/v1/batch',
          method: 'POST',
          agent,
          headers: {
            authorization: options.authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const ok = (response.statusCode ?? 0) < 300;
          if (!ok) counts.failedBatches++;
          response.resume();
          response.once('end', () => resolve(ok ? events : 0));
          response.once('error', () => resolve(0));
        },
      );
      sending.once('socket', (socket) => socket.setNoDelay(true));
      sending.once('error', () => {
        counts.failedBatches++;
        resolve(0);
      });
      sending.end(body);
    });
  }

  function otherEvent(index: number): Record<string, unknown> {
    const userId = benchUserId(index);
    const roll = random();
    if (roll < 0.3) return { type: 'page', userId, name: 'Dashboard', properties: {} };
    if (roll < 0.4) return { type: 'track', userId, event: 'Project Created', properties: {} };
    const feature = roll < 0.6 ? 'reports' : roll < 0.8 ? 'dashboards' : 'export';
    return { type: 'track', userId, event: 'Feature Used', properties: { feature } };
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(5);
  }
}
