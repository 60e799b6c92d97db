import autocannon from 'autocannon';
import type { BatchSource } from './ingest-bodies.js';

export interface ThroughputOptions {
  /** Base URL of the server. */
  url: string;
  path: string;
  headers: Record<string, string>;
  source: BatchSource;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Called right before and right after the measured run (after the warm-up). */
  beforeMeasure?: () => Promise<void>;
  afterMeasure?: () => Promise<void>;
}

export interface Throughput {
  eventsPerSecond: number;
  requestsPerSecond: number;
  /** Request latency under saturation, ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests answered with another status than 2xx, and connection errors. */
  failed: number;
  /** The status and body of the first failed answer, to say why. */
  firstFailure?: string;
}

/**
 * Saturates a batch endpoint with autocannon (pipelining 1): a warm-up that is
 * discarded, then the measurement. Every request carries a fresh body from the
 * source; events/s counts only the events of 2xx answers.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<Throughput> {
  let firstFailure: string | undefined;
  const run = (seconds: number) =>
    autocannon({
      url: `${options.url}${options.path}`,
      connections: options.connections,
      pipelining: 1,
      duration: seconds,
      timeout: 10,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      requests: [
        {
          setupRequest: (request) => ({ ...request, body: options.source.next() }),
          onResponse: (status, body) => {
            if ((status < 200 || status > 299) && firstFailure === undefined) {
              firstFailure = `HTTP ${status} ${body.slice(0, 300)}`;
            }
          },
        },
      ],
    });
  await run(options.warmupSeconds);
  await options.beforeMeasure?.();
  const result = await run(options.seconds);
  await options.afterMeasure?.();
  const ok = result['2xx'];
  const seconds = result.duration > 0 ? result.duration : options.seconds;
  return {
    eventsPerSecond: (ok * options.source.batchSize) / seconds,
    requestsPerSecond: ok / seconds,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failed: result.non2xx + result.errors,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}
