import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runClustering, type RunClusteringOptions } from '@onramp/core/run-clustering';
import { runClusteringInWorker } from './cluster-worker.js';

/** Gaussian blobs around `centers`, from a seeded LCG: the same vectors every run. */
function blobs(count: number, centers: number[][], seed = 1): number[][] {
  let state = seed;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const gaussian = (): number =>
    Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, (_, i) =>
    (centers[i % centers.length] as number[]).map((c) => c + gaussian()),
  );
}

const centers = [
  [0, 0, 0, 0],
  [6, 6, 0, 0],
  [0, 6, 6, 6],
];
const options: RunClusteringOptions = {
  features: ['eventCount', 'sessions.count', 'events.Page Viewed', 'events.Feature Used'],
  normalization: 'zscore',
  kMin: 2,
  kMax: 8,
  seed: 5,
  clusteringId: 'behaviour',
  run: 1,
  trainedAt: Date.UTC(2026, 0, 1),
};

/** Whether a worker thread is still alive in this process (its port is an active resource). */
function workerAlive(): boolean {
  return process.getActiveResourcesInfo().includes('MessagePort');
}

test('the worker gives the same result as an in-process run with the same seed', async () => {
  const vectors = blobs(900, centers);
  const inWorker = await runClusteringInWorker({ vectors, ...options });
  assert.deepEqual(inWorker, runClustering(vectors, options));
  assert.equal(inWorker.k, 3);
  assert.equal(workerAlive(), false);
});

test('the main event loop stays responsive during a large run (50 000 × 4, k 2…8)', async () => {
  const vectors = blobs(50_000, [...centers, [6, 0, 6, 0]]);
  let maxLag = 0;
  let last = performance.now();
  const interval = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 5);
    last = now;
  }, 5);
  const before = performance.eventLoopUtilization();
  try {
    const started = performance.now();
    const result = await runClusteringInWorker({ vectors, ...options });
    const elapsed = performance.now() - started;
    const busy = performance.eventLoopUtilization(before).utilization;
    assert.equal(result.k, 4);
    assert.equal(result.assignments.length, 50_000);
    // In-process, the loop would be busy (utilization ≈ 1) and blocked for the whole
    // run (seconds). Measured idle: 10 ms of lag, 2 % busy; the lag bound leaves room
    // for a loaded two-core machine, where the OS alone delays timers by ~300 ms, and
    // utilization does not depend on that.
    assert.ok(busy < 0.2, `event loop busy ${(busy * 100).toFixed(1)} % of the run`);
    assert.ok(maxLag < 500 && maxLag < elapsed / 4, `max event-loop lag ${maxLag.toFixed(1)} ms`);
  } finally {
    clearInterval(interval);
  }
});

test('an error in the worker rejects with its message', async () => {
  const vectors = blobs(30, centers);
  await assert.rejects(
    runClusteringInWorker({ vectors, ...options, kMin: 6, kMax: 3 }),
    /kMin \(6\) is greater than kMax \(3\)/,
  );
  assert.equal(workerAlive(), false);
});

test('a ragged vector is refused before a worker starts', async () => {
  await assert.rejects(
    runClusteringInWorker({
      vectors: [
        [1, 2, 3, 4],
        [1, 2],
      ],
      ...options,
    }),
    /vector 1 has 2 values, expected 4/,
  );
});

test('a timeout terminates the worker and rejects', async () => {
  // A whole run over these takes ~10 s: well past the bound below, which leaves room
  // for a worker's start on a loaded machine.
  const vectors = blobs(150_000, centers);
  const started = performance.now();
  await assert.rejects(
    runClusteringInWorker({ vectors, ...options }, { timeoutMs: 100 }),
    /timed out after 100 ms/,
  );
  assert.ok(performance.now() - started < 3_000);
  assert.equal(workerAlive(), false);
});

test('an abort terminates the worker and rejects; an aborted signal starts nothing', async () => {
  const vectors = blobs(50_000, centers);
  const controller = new AbortController();
  const run = runClusteringInWorker({ vectors, ...options }, { signal: controller.signal });
  assert.equal(workerAlive(), true); // the check below can fail
  setTimeout(() => controller.abort(), 100);
  await assert.rejects(run, /clustering run aborted/);
  assert.equal(workerAlive(), false);

  await assert.rejects(
    runClusteringInWorker({ vectors, ...options }, { signal: AbortSignal.abort() }),
    /clustering run aborted/,
  );
  assert.equal(workerAlive(), false);
});
