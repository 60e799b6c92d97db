/**
 * Runs a clustering job off the main thread: k-means over tens of thousands of
 * profiles takes seconds of CPU, which on the main thread would stall ingest
 * and every request. Each run gets a fresh worker thread (cluster-worker-main.ts)
 * that is terminated when the run ends, fails, times out or is aborted: runs
 * are rare, and a fresh thread leaves nothing behind.
 *
 * The vectors travel as one flat Float64Array whose buffer is transferred, not
 * cloned: 50 000 profiles × 20 features cost a copy into it and nothing more.
 */
import { Worker } from 'node:worker_threads';
import type { ClusteringResult, RunClusteringOptions } from '@onramp/core/run-clustering';

/** What a run needs: the training vectors (one number per feature) and the job's options. */
export interface ClusteringInput extends RunClusteringOptions {
  vectors: readonly (readonly number[])[];
}

export interface WorkerRunOptions {
  /** Aborting terminates the worker and rejects the run. */
  signal?: AbortSignal;
  /** Terminates the worker and rejects the run after this long (default 10 minutes). */
  timeoutMs?: number;
}

export const DEFAULT_CLUSTERING_TIMEOUT_MS = 10 * 60_000;

/** The message the worker receives: vectors row after row, `count` × `dims`. */
export interface ClusterWorkerRequest {
  vectors: Float64Array;
  count: number;
  dims: number;
  options: RunClusteringOptions;
}

export type ClusterWorkerReply =
  { type: 'done'; result: ClusteringResult } | { type: 'error'; message: string };

const entry = new URL('./cluster-worker-main.ts', import.meta.url).href;
// The repo runs TypeScript through tsx, and in Node 20 a worker does not inherit
// the loader hooks of its parent (and `--import tsx` in its execArgv still failed
// on a .ts entry: ERR_UNKNOWN_FILE_EXTENSION). So the worker starts from a small script that
// registers tsx, found from this file, then imports the entry: the same however
// the server was launched (`node --import tsx`, bin/onramp.js, the test runner).
const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;

/**
 * Runs runClustering in a worker thread. Resolves with its result; rejects with
 * its error's message, on timeout or abort. The worker is terminated before the
 * promise settles, in every case.
 */
export function runClusteringInWorker(
  input: ClusteringInput,
  options: WorkerRunOptions = {},
): Promise<ClusteringResult> {
  const { signal, timeoutMs = DEFAULT_CLUSTERING_TIMEOUT_MS } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const { vectors, ...runOptions } = input;
  let request: ClusterWorkerRequest;
  try {
    request = { ...flatten(vectors, runOptions.features.length), options: runOptions };
  } catch (error) {
    return Promise.reject(error as Error);
  }

  return new Promise((resolve, reject) => {
    const worker = new Worker(bootstrap, { eval: true, execArgv: [] });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate().then(outcome, outcome);
    };
    const timer = setTimeout(
      () => settle(() => reject(new Error(`clustering run timed out after ${timeoutMs} ms`))),
      timeoutMs,
    );
    const onAbort = (): void => settle(() => reject(abortError(signal as AbortSignal)));
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (reply: ClusterWorkerReply) =>
      settle(() =>
        reply.type === 'done' ? resolve(reply.result) : reject(new Error(reply.message)),
      ),
    );
    // An error the worker did not catch: its entry failed to load, say.
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`clustering worker exited (code ${code}) without a result`))),
    );
    worker.postMessage(request, [request.vectors.buffer as ArrayBuffer]);
  });
}

/** The vectors row after row in one Float64Array; throws on a row of the wrong length. */
function flatten(
  vectors: readonly (readonly number[])[],
  dims: number,
): { vectors: Float64Array; count: number; dims: number } {
  const flat = new Float64Array(vectors.length * dims);
  vectors.forEach((vector, i) => {
    if (vector.length !== dims) {
      throw new Error(
        `vector ${i} has ${vector.length} values, expected ${dims} (one per feature)`,
      );
    }
    flat.set(vector, i * dims);
  });
  return { vectors: flat, count: vectors.length, dims };
}

function abortError(signal: AbortSignal): Error {
  return new Error('clustering run aborted', { cause: signal.reason });
}
