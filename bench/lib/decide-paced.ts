import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DecideLoad, DecideLoadOptions } from './decide-load.js';
import { summarize } from './stats.js';

/**
 * Decide at a steady rate below saturation (open loop): request i is sent at
 * start + i / rate (to the next millisecond) over keep-alive connections (at most
 * `connections`; a request waits for a free one), and timed from sending to the
 * end of its answer, waiting for a connection included, so a stalled server
 * shows in the figures instead of slowing the load.
 * autocannon's `overallRate` sends each second's requests in a burst, which
 * measures queueing behind the burst rather than the latency of a page's call.
 */
export async function measurePacedDecide(
  options: DecideLoadOptions & { rate: number },
): Promise<DecideLoad> {
  const base = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  let next = 0;
  let failed = 0;
  let bytes = 0;
  let firstFailure: string | undefined;

  const send = (sentAt: number, latencies?: number[]): Promise<void> =>
    new Promise((resolve) => {
      const body = options.bodies[next++ % options.bodies.length] as string;
      const fail = (why: string) => {
        failed++;
        firstFailure ??= why;
        resolve();
      };
      const sending = request(
        {
          host: base.hostname,
          port: base.port,
          path: options.path,
          method: 'POST',
          agent,
          headers: {
            ...options.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('error', () => fail('response error'));
          response.once('end', () => {
            const status = response.statusCode ?? 0;
            if (status < 200 || status > 299) {
              return fail(`HTTP ${status} ${Buffer.concat(chunks).toString().slice(0, 300)}`);
            }
            if (latencies !== undefined) {
              latencies.push(performance.now() - sentAt);
              bytes += chunks.reduce((sum, chunk) => sum + chunk.length, 0);
            }
            resolve();
          });
        },
      );
      sending.once('socket', (socket) => socket.setNoDelay(true));
      sending.once('error', (error) => fail(error.message));
      sending.end(body);
    });

  const run = async (seconds: number, latencies?: number[]): Promise<number> => {
    const interval = 1000 / options.rate;
    const count = Math.max(1, Math.round(seconds * options.rate));
    const inFlight = new Set<Promise<void>>();
    const start = performance.now();
    for (let i = 0; i < count;) {
      const wait = start + i * interval - performance.now();
      if (wait > 0) await sleep(wait); // at least 1 ms: the load generator never spins
      // Everything due by now goes out at once.
      for (const now = performance.now(); i < count && start + i * interval <= now; i++) {
        const sending = send(performance.now(), latencies);
        inFlight.add(sending);
        void sending.finally(() => inFlight.delete(sending));
      }
    }
    await Promise.all(inFlight);
    return (performance.now() - start) / 1000;
  };

  try {
    await run(options.warmupSeconds);
    const latencies: number[] = [];
    const seconds = await run(options.seconds, latencies);
    const summary = summarize(latencies);
    return {
      requestsPerSecond: latencies.length / seconds,
      p50Ms: summary.p50,
      p99Ms: summary.p99,
      maxMs: summary.max,
      // Bodies only here: node:http does not count the header bytes.
      bytesPerAnswer: latencies.length > 0 ? bytes / latencies.length : 0,
      failed,
      ...(firstFailure === undefined ? {} : { firstFailure }),
    };
  } finally {
    agent.destroy();
  }
}
