import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterRun, ClusterRunStore, ClusterSummary } from './clustering.js';

export interface ClusterRunStoreHarness {
  store: ClusterRunStore;
  /** Closes the store and its storage, then opens them again. Durable stores only. */
  reopen?: () => Promise<ClusterRunStore>;
  /** Closes whatever is still open and removes temporary files. */
  dispose(): Promise<void>;
}

/** Run `run` of a clustering: done with a model, or failed without one. */
function clusterRun(
  run: number,
  status: ClusterRun['status'] = 'done',
  fields: Partial<ClusterRun> = {},
): ClusterRun {
  const base = {
    workspaceId: 'w1',
    clusteringId: 'c1',
    run,
    configVersion: 3,
    trigger: 'api' as const,
    startedAt: 1_767_225_600_000 + run * 1000,
    finishedAt: 1_767_225_600_500 + run * 1000,
    sampled: 500,
    population: 1200,
    features: ['eventCount', 'traits.seats'],
  };
  if (status === 'failed') {
    return {
      ...base,
      status,
      error: 'fewer than minProfiles',
      k: 0,
      candidates: [],
      clusters: [],
      ...fields,
    };
  }
  return {
    ...base,
    status,
    k: 2,
    candidates: [
      { k: 2, silhouette: 0.61, inertia: 120.5 },
      { k: 3, silhouette: 0.42, inertia: 98.25 },
    ],
    model: {
      clusteringId: 'c1',
      run,
      trainedAt: base.startedAt,
      offsets: [10, 2],
      scales: [4, 1.5],
      centroids: [
        [-0.5, 1.25],
        [0.75, -1],
      ],
      labels: ['c1', 'c2'],
    },
    clusters: [
      {
        label: 'c1',
        size: 300,
        share: 0.6,
        centroid: { eventCount: 8, 'traits.seats': 3.875 },
        distinguishing: [
          { feature: 'traits.seats', clusterMean: 3.875, populationMean: 2.5, z: 0.9 },
        ],
      },
      {
        label: 'c2',
        size: 200,
        share: 0.4,
        centroid: { eventCount: 13, 'traits.seats': 0.5 },
        distinguishing: [],
      },
    ],
    ...fields,
  };
}

async function runNumbers(
  store: ClusterRunStore,
  options: { before?: number; limit: number },
  workspaceId = 'w1',
  clusteringId = 'c1',
) {
  return (await store.list(workspaceId, clusteringId, options)).map((run) => run.run);
}

/** The behaviour every ClusterRunStore shares. `open` creates an empty store. */
export function describeClusterRunStoreContract(
  name: string,
  open: () => Promise<ClusterRunStoreHarness>,
): void {
  async function withStore(body: (harness: ClusterRunStoreHarness) => Promise<void>) {
    const harness = await open();
    try {
      await body(harness);
    } finally {
      await harness.dispose();
    }
  }

  describe(`ClusterRunStore contract: ${name}`, () => {
    it('starts empty', () =>
      withStore(async ({ store }) => {
        assert.equal(await store.latest('w1', 'c1'), undefined);
        assert.equal(await store.latestModel('w1', 'c1'), undefined);
        assert.equal(await store.get('w1', 'c1', 1), undefined);
        assert.deepEqual(await store.list('w1', 'c1', { limit: 10 }), []);
      }));

    it('reads runs back as appended, failed ones without a model or error fields added', () =>
      withStore(async ({ store }) => {
        await store.append(clusterRun(1));
        await store.append(clusterRun(2, 'failed'));
        assert.deepEqual(await store.get('w1', 'c1', 1), clusterRun(1));
        const failed = await store.get('w1', 'c1', 2);
        assert.deepEqual(failed, clusterRun(2, 'failed'));
        assert.equal(failed && 'model' in failed, false);
        const done = await store.get('w1', 'c1', 1);
        assert.equal(done && 'error' in done, false);
        assert.equal(await store.get('w1', 'c1', 3), undefined);
      }));

    it('gives the latest run, and the latest with a model', () =>
      withStore(async ({ store }) => {
        await store.append(clusterRun(1));
        await store.append(clusterRun(2));
        await store.append(clusterRun(3, 'failed'));
        await store.append(clusterRun(4, 'failed'));
        assert.equal((await store.latest('w1', 'c1'))?.run, 4);
        assert.deepEqual(await store.latestModel('w1', 'c1'), clusterRun(2));
        await store.append(clusterRun(5));
        assert.equal((await store.latestModel('w1', 'c1'))?.run, 5);
      }));

    it('never takes a done run without a model for a model', () =>
      withStore(async ({ store }) => {
        const { model: _model, ...noModel } = clusterRun(2);
        await store.append(clusterRun(1));
        await store.append(noModel);
        assert.equal((await store.latest('w1', 'c1'))?.run, 2);
        assert.equal((await store.latestModel('w1', 'c1'))?.run, 1);
      }));

    it('lists runs newest first, paging back with `before` (exclusive) and `limit`', () =>
      withStore(async ({ store }) => {
        for (let run = 1; run <= 5; run++) {
          await store.append(clusterRun(run, run % 2 === 0 ? 'failed' : 'done'));
        }
        assert.deepEqual(await runNumbers(store, { limit: 10 }), [5, 4, 3, 2, 1]);
        assert.deepEqual(await runNumbers(store, { limit: 2 }), [5, 4]);
        assert.deepEqual(await runNumbers(store, { before: 4, limit: 2 }), [3, 2]);
        assert.deepEqual(await runNumbers(store, { before: 2, limit: 2 }), [1]);
        assert.deepEqual(await runNumbers(store, { before: 1, limit: 2 }), []);
        assert.deepEqual(await runNumbers(store, { before: 100, limit: 1 }), [5]);
        assert.deepEqual(await runNumbers(store, { limit: 0 }), []);
      }));

    it('refuses a bad limit or cursor', () =>
      withStore(async ({ store }) => {
        for (const limit of [-1, 1.5, Number.NaN]) {
          await assert.rejects(store.list('w1', 'c1', { limit }), RangeError);
        }
        await assert.rejects(store.list('w1', 'c1', { before: Number.NaN, limit: 1 }), RangeError);
      }));

    it('refuses a run number that is not after the latest, keeping what is stored', () =>
      withStore(async ({ store }) => {
        await store.append(clusterRun(1));
        await store.append(clusterRun(3));
        await assert.rejects(store.append(clusterRun(3, 'failed')));
        await assert.rejects(store.append(clusterRun(2)));
        for (const run of [0, -1, 1.5, Number.NaN]) {
          await assert.rejects(
            store.append(clusterRun(run, 'done', { clusteringId: 'other' })),
            RangeError,
          );
        }
        assert.deepEqual(await runNumbers(store, { limit: 10 }), [3, 1]);
        assert.deepEqual(await store.get('w1', 'c1', 3), clusterRun(3));
        assert.deepEqual(await runNumbers(store, { limit: 10 }, 'w1', 'other'), []);
      }));

    it('keeps clusterings and workspaces apart', () =>
      withStore(async ({ store }) => {
        await store.append(clusterRun(1));
        await store.append(clusterRun(1, 'done', { clusteringId: 'c2' }));
        await store.append(clusterRun(1, 'failed', { workspaceId: 'w2' }));
        await store.append(clusterRun(2, 'done', { workspaceId: 'w2' }));
        assert.deepEqual(await runNumbers(store, { limit: 10 }), [1]);
        assert.deepEqual(await runNumbers(store, { limit: 10 }, 'w1', 'c2'), [1]);
        assert.deepEqual(await runNumbers(store, { limit: 10 }, 'w2'), [2, 1]);
        assert.equal((await store.latest('w1', 'c1'))?.status, 'done');
        assert.equal((await store.get('w2', 'c1', 1))?.status, 'failed');
        assert.equal(await store.get('w1', 'c1', 2), undefined);
        assert.equal(await store.latest('w3', 'c1'), undefined);
      }));

    it('copies runs in and out', () =>
      withStore(async ({ store }) => {
        const run = clusterRun(1);
        await store.append(run);
        run.features.push('changed');
        (run.model as { labels: string[] }).labels[0] = 'changed';
        const stored = (await store.latest('w1', 'c1')) as ClusterRun;
        assert.deepEqual(stored, clusterRun(1));
        (stored.clusters[0] as ClusterSummary).label = 'changed';
        assert.deepEqual(await store.latestModel('w1', 'c1'), clusterRun(1));
      }));

    it('keeps runs across a restart', async (t) => {
      const harness = await open();
      try {
        if (!harness.reopen) return t.skip('not a durable store');
        await harness.store.append(clusterRun(1));
        await harness.store.append(clusterRun(2, 'failed'));
        const store = await harness.reopen();
        assert.deepEqual(await store.latest('w1', 'c1'), clusterRun(2, 'failed'));
        assert.deepEqual(await store.latestModel('w1', 'c1'), clusterRun(1));
        await assert.rejects(store.append(clusterRun(2)));
        await store.append(clusterRun(3));
        assert.deepEqual(await runNumbers(store, { limit: 10 }), [3, 2, 1]);
      } finally {
        await harness.dispose();
      }
    });

    it('refuses to append once closed', () =>
      withStore(async ({ store }) => {
        await store.close();
        await assert.rejects(store.append(clusterRun(1)));
      }));
  });
}
