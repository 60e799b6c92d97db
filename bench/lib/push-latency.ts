import { createHmac } from 'node:crypto';
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSseParser } from '../../packages/server/src/testing/sse-client.js';
import { summarize, type Summary } from './stats.js';

export interface PushLatencyOptions {
  url: string;
  writeKey: string;
  identitySecret: string;
  authorization: string;
  /** Users with an open stream; every batch carries one event for each. */
  users: number;
  eventsPerSecond: number;
  /** Batches sent before the measured ones (discarded). */
  warmupSeconds: number;
  seconds: number;
}

export interface PushLatency extends Summary {
  /** Events whose push never arrived within the drain time. */
  missing: number;
  /** Batches not acknowledged with 2xx. */
  failedBatches: number;
  /** p99 of the load generator's own event-loop delay: a floor under the figures above. */
  clientLoopDelayP99Ms: number;
}

const measuredEvent = 'Bench Tick';
const primeEvent = 'Bench Ready';

/** The lifetime total of an event in a pushed profile summary (`metrics.events[name].total`). */
export function totalOf(summaryJson: string, event: string): number {
  const summary = JSON.parse(summaryJson) as {
    metrics?: { events?: Record<string, { total?: number }> };
  };
  return summary.metrics?.events?.[event]?.total ?? 0;
}

/** The user token of the realtime stream: hex HMAC-SHA256 of the userId. */
function userToken(userId: string, secret: string): string {
  return createHmac('sha256', secret).update(userId, 'utf8').digest('hex');
}

interface UserStream {
  request: ClientRequest;
  /** Total of the measured event when the measurement started (0 on a fresh engine). */
  base: number;
  /** Total of the measured event in the latest push, minus base. */
  seen: number;
  primed: boolean;
}

/**
 * Event → push latency: one SSE stream per user; every 1000 × users / rate ms a
 * batch with one event per user. Batch k is the k-th event of each user, so the
 * first push whose total reaches k + 1 reflects it: its arrival time minus the
 * time the batch was sent is one sample (one per user per batch).
 *
 * The client is plain node:http (keep-alive POSTs, a raw socket per stream) and
 * timestamps a push when its bytes arrive, so that the load generator adds as
 * little as it can to what it measures; its own event-loop delay is reported.
 */
export async function measurePushLatency(options: PushLatencyOptions): Promise<PushLatency> {
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const users = Array.from({ length: options.users }, (_, i) => `push-user-${i}`);
  const intervalMs = (1000 * options.users) / options.eventsPerSecond;
  const warmupBatches = Math.round((options.warmupSeconds * 1000) / intervalMs);
  const totalBatches = warmupBatches + Math.round((options.seconds * 1000) / intervalMs);
  const sentAt = new Float64Array(totalBatches);
  const samples: number[] = [];
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  let failedBatches = 0;

  const opened = await Promise.allSettled(users.map((userId) => openUserStream(userId)));
  const streams = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    await send(primeEvent, Date.now());
    await waitFor(() => streams.every((s) => s.primed), 10_000, '').catch(() => {
      const silent = streams.filter((s) => !s.primed).length;
      throw new Error(
        `${silent} of ${streams.length} streams got no push within 10 s of their first event`,
      );
    });

    loopDelay.enable();
    const start = performance.now();
    const inFlight = new Set<Promise<void>>();
    for (let k = 0; k < totalBatches; k++) {
      const wait = start + k * intervalMs - performance.now();
      if (wait >= 1) await sleep(wait);
      sentAt[k] = performance.now();
      const sending = send(measuredEvent, k);
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
    }
    await Promise.all(inFlight);
    await waitFor(
      () => streams.every((s) => s.seen >= totalBatches),
      5000,
      'the last pushes',
    ).catch(() => undefined);
    loopDelay.disable();
    const missing = streams.reduce((sum, s) => sum + Math.max(0, totalBatches - s.seen), 0);
    return {
      ...summarize(samples),
      missing,
      failedBatches,
      clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
  } finally {
    for (const stream of streams) stream.request.destroy();
    agent.destroy();
  }

  function openUserStream(userId: string): Promise<UserStream> {
    const query = new URLSearchParams({
      writeKey: options.writeKey,
      userId,
      token: userToken(userId, options.identitySecret),
    });
    return new Promise((resolve, reject) => {
      const stream: UserStream = {
        request: request({
          host: base.hostname,
          port: base.port,
          path: `/client/v1/stream?${query}`,
          headers: { accept: 'text/event-stream' },
          agent: false,
        }),
        base: 0,
        seen: 0,
        primed: false,
      };
      let arrived = 0;
      const parser = createSseParser({
        onEvent: ({ data }) => {
          if (!stream.primed) {
            stream.primed = totalOf(data, primeEvent) > 0;
            stream.base = totalOf(data, measuredEvent);
            return;
          }
          const total = totalOf(data, measuredEvent) - stream.base;
          for (let k = stream.seen; k < total && k < totalBatches; k++) {
            if (k >= warmupBatches) samples.push(arrived - (sentAt[k] as number));
          }
          stream.seen = Math.max(stream.seen, total);
        },
      });
      stream.request.once('error', reject);
      stream.request.once('socket', (socket) => socket.setNoDelay(true));
      stream.request.once('response', (response: IncomingMessage) => {
        if (response.statusCode !== 200) {
          stream.request.destroy();
          reject(new Error(`GET /client/v1/stream answered ${response.statusCode}`));
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

  function send(event: string, sequence: number): Promise<void> {
    const timestamp = new Date().toISOString();
    const body = JSON.stringify({
      batch: users.map((userId) => ({
        type: 'track',
        event,
        userId,
        messageId: `${event}-${sequence}-${userId}`,
        timestamp,
        properties: { sequence },
      })),
    });
    return new Promise((resolve) => {
      const post = request(
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
          if ((response.statusCode ?? 0) >= 300) failedBatches++;
          response.resume();
          response.once('end', resolve);
          response.once('error', resolve);
        },
      );
      post.once('socket', (socket) => socket.setNoDelay(true));
      post.once('error', () => {
        failedBatches++;
        resolve();
      });
      post.end(body);
    });
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
