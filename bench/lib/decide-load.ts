import autocannon from 'autocannon';
import { summarize } from './stats.js';

export interface DecideLoadOptions {
  /** Base URL of the server. */
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, taken in turn (one per user: the load cycles through users). */
  bodies: readonly string[];
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface DecideLoad {
  requestsPerSecond: number;
  /** Latency of 2xx answers, ms, timed by the client (fractions kept). */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Mean bytes of an answer (headers included). */
  bytesPerAnswer: number;
  /** Non-2xx answers and connection errors. */
  failed: number;
  /** Status and body of the first failed answer. */
  firstFailure?: string;
}

/**
 * Loads a JSON endpoint with autocannon (pipelining 1): a warm-up that is not
 * counted, then the measurement. Every request carries the next body in turn.
 * Latencies are collected from autocannon's response events, whose times keep
 * their fractions (its own histogram rounds to whole milliseconds).
 */
export async function measureDecideLoad(options: DecideLoadOptions): Promise<DecideLoad> {
  if (options.bodies.length === 0) throw new Error('no request bodies');
  let firstFailure: string | undefined;
  let next = 0;
  const run = (seconds: number, latencies?: number[]) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `${options.url}${options.path}`,
          connections: options.connections,
          pipelining: 1,
          duration: seconds,
          timeout: 10,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...options.headers },
          requests: [
            {
              setupRequest: (request) => ({
                ...request,
                body: options.bodies[next++ % options.bodies.length] as string,
              }),
              onResponse: (status, body) => {
                if ((status < 200 || status > 299) && firstFailure === undefined) {
                  firstFailure = `HTTP ${status} ${body.slice(0, 300)}`;
                }
              },
            },
          ],
        },
        (error: unknown, result) => (error ? reject(error as Error) : resolve(result)),
      );
      if (latencies !== undefined) {
        instance.on('response', (_client, status, _bytes, time) => {
          if (status >= 200 && status <= 299) latencies.push(time);
        });
      }
    });
  await run(options.warmupSeconds);
  const latencies: number[] = [];
  const result = await run(options.seconds, latencies);
  const ok = result['2xx'];
  const seconds = result.duration > 0 ? result.duration : options.seconds;
  const summary = summarize(latencies);
  return {
    requestsPerSecond: ok / seconds,
    p50Ms: summary.p50,
    p99Ms: summary.p99,
    maxMs: summary.max,
    bytesPerAnswer: ok > 0 ? result.throughput.total / ok : 0,
    failed: result.non2xx + result.errors,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}
