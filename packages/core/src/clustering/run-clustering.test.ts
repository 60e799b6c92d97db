import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterModel } from '../segments/segment.js';
import { adjustedRandIndex } from './adjusted-rand-index.js';
import { assignCluster } from './assign-cluster.js';
import { runClustering, type RunClusteringOptions } from './run-clustering.js';
import { createSeededRandom } from './seeded-random.js';

const features = ['eventCount', 'sessions.count', 'events.Page Viewed', 'events.Feature Used'];
type Group = 'power' | 'explorer' | 'dormant';
/** Mean and standard deviation of each feature, per behavioural group. */
const groups: Record<Group, [number, number][]> = {
  power: [
    [400, 60],
    [40, 6],
    [130, 25],
    [120, 20],
  ],
  explorer: [
    [250, 30],
    [12, 3],
    [220, 30],
    [3, 2],
  ],
  dormant: [
    [8, 4],
    [1.5, 1],
    [5, 3],
    [0.5, 0.5],
  ],
};

/** A shuffled population of three known groups with Gaussian noise (counts clamped at 0). */
function population(
  seed: number,
  sizes: Record<Group, number> = { power: 120, explorer: 150, dormant: 180 },
): { vectors: number[][]; truth: Group[] } {
  const random = createSeededRandom(seed);
  const gaussian = (): number =>
    Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows: { vector: number[]; group: Group }[] = [];
  for (const group of Object.keys(groups) as Group[]) {
    for (let i = 0; i < sizes[group]; i++) {
      const vector = groups[group].map(([mean, sd]) => Math.max(0, mean + sd * gaussian()));
      rows.push({ vector, group });
    }
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as (typeof rows)[number], rows[i] as (typeof rows)[number]];
  }
  return { vectors: rows.map((row) => row.vector), truth: rows.map((row) => row.group) };
}

const options: RunClusteringOptions = {
  features,
  normalization: 'zscore',
  kMin: 2,
  kMax: 8,
  seed: 7,
  clusteringId: 'behaviour',
  run: 1,
  trainedAt: Date.UTC(2026, 0, 1),
};

/** The label most of a group's members got. */
function majorityLabel(labels: string[], truth: Group[], group: Group): string {
  const counts = new Map<string, number>();
  truth.forEach((g, i) => {
    if (g === group) counts.set(labels[i] as string, (counts.get(labels[i] as string) ?? 0) + 1);
  });
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
}

test('finds the three behavioural groups: k = 3 by silhouette, ARI ≥ 0.9', () => {
  const { vectors, truth } = population(1);
  const result = runClustering(vectors, options);
  assert.equal(result.k, 3);
  assert.equal(result.model.centroids.length, 3);
  assert.deepEqual(result.model.labels, ['c1', 'c2', 'c3']);
  assert.ok(adjustedRandIndex(truth, result.assignments) >= 0.9);
  // Largest first: the dormant group (180) is c1.
  assert.deepEqual(
    result.clusters.map((c) => c.size),
    [...result.clusters.map((c) => c.size)].sort((a, b) => b - a),
  );
  const labels = result.assignments.map((a) => result.model.labels[a] as string);
  assert.equal(majorityLabel(labels, truth, 'dormant'), 'c1');
  assert.equal(
    result.clusters.reduce((sum, c) => sum + c.size, 0),
    vectors.length,
  );
  assert.ok(Math.abs(result.clusters.reduce((sum, c) => sum + c.share, 0) - 1) < 1e-9);
});

test('candidates: every k of the range with its silhouette, inertia falling as k grows', () => {
  const result = runClustering(population(2).vectors, options);
  assert.deepEqual(
    result.candidates.map((c) => c.k),
    [2, 3, 4, 5, 6, 7, 8],
  );
  for (let i = 1; i < result.candidates.length; i++) {
    const [before, after] = [result.candidates[i - 1], result.candidates[i]];
    assert.ok(after!.inertia < before!.inertia, `inertia at k=${after!.k}`);
  }
  const best = Math.max(...result.candidates.map((c) => c.silhouette));
  assert.equal(result.candidates.find((c) => c.k === 3)?.silhouette, best);
  for (const c of result.candidates) assert.ok(c.silhouette > -1 && c.silhouette <= 1);
});

test('summaries: centroids in original units, distinguishing features name the right features', () => {
  const { vectors, truth } = population(3);
  const result = runClustering(vectors, options);
  const labels = result.assignments.map((a) => result.model.labels[a] as string);
  const summary = (group: Group) =>
    result.clusters.find((c) => c.label === majorityLabel(labels, truth, group))!;

  const power = summary('power');
  assert.ok(Math.abs(power.centroid['eventCount']! - 400) < 30);
  assert.ok(Math.abs(power.centroid['events.Feature Used']! - 120) < 10);
  assert.equal(power.size, 120);
  const powerFeatures = power.distinguishing.map((d) => d.feature);
  assert.ok(powerFeatures.includes('events.Feature Used'));
  assert.ok(powerFeatures.includes('sessions.count'));
  assert.ok(power.distinguishing.every((d) => d.z > 0));

  const explorer = summary('explorer');
  const byFeature = new Map(explorer.distinguishing.map((d) => [d.feature, d]));
  assert.equal(explorer.distinguishing[0]?.feature, 'events.Page Viewed');
  assert.ok(byFeature.get('events.Page Viewed')!.z > 1);
  assert.ok(byFeature.get('events.Feature Used')!.z < -0.5);

  const dormant = summary('dormant');
  assert.equal(dormant.distinguishing.length, 4);
  assert.ok(dormant.distinguishing.every((d) => d.z < 0));

  for (const cluster of result.clusters) {
    const z = cluster.distinguishing.map((d) => Math.abs(d.z));
    assert.deepEqual(
      z,
      [...z].sort((a, b) => b - a),
    );
    assert.ok(z.every((value) => value >= 0.5) && z.length <= 5);
    for (const d of cluster.distinguishing) {
      const f = features.indexOf(d.feature);
      const mean = vectors.reduce((sum, v) => sum + v[f]!, 0) / vectors.length;
      assert.ok(Math.abs(d.populationMean - mean) < 1e-9);
    }
  }
});

test('labels are stable: a re-run on a new, shuffled population keeps the groups’ labels', () => {
  const first = population(4);
  const run1 = runClustering(first.vectors, options);
  const labels1 = first.truth.map((_, i) => run1.model.labels[run1.assignments[i]!] as string);
  // Other group sizes: ordered largest first, power users would now come first.
  const second = population(5, { power: 200, explorer: 140, dormant: 90 });
  const fresh = runClustering(second.vectors, { ...options, seed: 99, run: 2 });
  const run2 = runClustering(second.vectors, {
    ...options,
    seed: 99,
    run: 2,
    previous: run1.model,
  });
  const labels2 = second.truth.map((_, i) => run2.model.labels[run2.assignments[i]!] as string);
  const freshLabels = second.truth.map((_, i) => fresh.model.labels[fresh.assignments[i]!]!);
  for (const group of ['power', 'explorer', 'dormant'] as const) {
    assert.equal(
      majorityLabel(labels2, second.truth, group),
      majorityLabel(labels1, first.truth, group),
    );
  }
  // Without the previous model the labels would have moved: the test can fail.
  assert.notEqual(
    majorityLabel(freshLabels, second.truth, 'power'),
    majorityLabel(labels1, first.truth, 'power'),
  );
  assert.equal(run2.model.run, 2);
});

test('more clusters than before: matched ones keep their labels, new ones get unused labels', () => {
  const { vectors, truth } = population(6);
  const two = runClustering(vectors, { ...options, kMin: 2, kMax: 2 });
  const previous: ClusterModel = { ...two.model, labels: ['c2', 'c7'] };
  const three = runClustering(vectors, { ...options, kMin: 3, kMax: 3, previous });
  assert.equal(three.k, 3);
  assert.deepEqual([...three.model.labels].sort(), ['c1', 'c2', 'c7']);
  const labels = three.assignments.map((a) => three.model.labels[a] as string);
  const twoLabels = two.assignments.map((a) => previous.labels[a] as string);
  // Whichever cluster of the k = 2 run held the dormant profiles passes its label on.
  assert.equal(majorityLabel(labels, truth, 'dormant'), majorityLabel(twoLabels, truth, 'dormant'));
});

test('assignCluster on the raw vectors agrees with the run’s assignments', () => {
  const { vectors } = population(7);
  const result = runClustering(vectors, options);
  vectors.forEach((vector, i) => {
    assert.equal(assignCluster(result.model, vector), result.model.labels[result.assignments[i]!]);
  });
  const powerUser = [420, 45, 140, 130];
  const powerLabel = assignCluster(result.model, powerUser);
  assert.equal(result.clusters.find((c) => c.label === powerLabel)?.size, 120);
});

test('deterministic: the same input and seed give the same result', () => {
  const { vectors } = population(8, { power: 1500, explorer: 1000, dormant: 800 });
  const a = runClustering(vectors, options);
  const b = runClustering(vectors, options);
  assert.deepEqual(a, b);
  assert.equal(a.k, 3); // 3 300 profiles: silhouette estimated on a sample, still k = 3
});

test('minmax and none normalizations; non-finite values count as 0', () => {
  const { vectors, truth } = population(9);
  for (const normalization of ['minmax', 'none'] as const) {
    const result = runClustering(vectors, { ...options, normalization });
    assert.equal(result.k, 3, normalization);
    assert.ok(adjustedRandIndex(truth, result.assignments) >= 0.9, normalization);
  }
  const minmax = runClustering(vectors, { ...options, normalization: 'minmax' });
  for (const centroid of minmax.model.centroids) {
    assert.ok(centroid.every((value) => value >= 0 && value <= 1));
  }
  const none = runClustering(vectors, { ...options, normalization: 'none' });
  assert.deepEqual(none.model.scales, [1, 1, 1, 1]);
  assert.deepEqual(none.model.offsets, [0, 0, 0, 0]);

  const zscore = runClustering(vectors, options);
  const dormantLike = [NaN, Infinity, -Infinity, 0];
  assert.equal(assignCluster(zscore.model, dormantLike), assignCluster(zscore.model, [0, 0, 0, 0]));
  const withBad = vectors.map((v, i) => (i === 0 ? [NaN, v[1]!, v[2]!, v[3]!] : v));
  const result = runClustering(withBad, options);
  assert.ok(result.model.offsets.every(Number.isFinite));
  assert.ok(result.clusters.every((c) => Object.values(c.centroid).every(Number.isFinite)));
});

test('the k range is clipped to n − 1 and to the number of distinct vectors', () => {
  const four = runClustering([[0], [1], [10], [11]], { ...options, features: ['x'] });
  assert.deepEqual(
    four.candidates.map((c) => c.k),
    [2, 3],
  );
  assert.equal(four.k, 2);
  assert.deepEqual(four.assignments.slice(0, 2), [four.assignments[0], four.assignments[0]]);

  const twoValues = Array.from({ length: 20 }, (_, i) => [i % 2 === 0 ? 1 : 5]);
  const clipped = runClustering(twoValues, { ...options, features: ['x'], kMin: 4, kMax: 6 });
  assert.deepEqual(
    clipped.candidates.map((c) => c.k),
    [2],
  );
  assert.equal(clipped.clusters[0]?.size, 10);
});

test('bad input throws a clear error', () => {
  const three = [
    [1, 2],
    [3, 4],
    [5, 6],
  ];
  const two = { ...options, features: ['a', 'b'] };
  assert.throws(() => runClustering([], two), /none were given/);
  assert.throws(() => runClustering(three.slice(0, 2), two), /at least 3 vectors, got 2/);
  assert.throws(() => runClustering([...three, [1]], two), /vector 3 has 1 values, expected 2/);
  assert.throws(() => runClustering(three, { ...two, features: [] }), /at least one feature/);
  assert.throws(() => runClustering(three, { ...two, kMin: 5, kMax: 3 }), /kMin \(5\) is greater/);
  assert.throws(() => runClustering(three, { ...two, kMin: 1 }), /kMin must be an integer ≥ 2/);
  assert.throws(() => runClustering(three, { ...two, kMax: 2.5 }), /kMax must be an integer/);
  assert.throws(
    () =>
      runClustering(
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        two,
      ),
    /all vectors are identical/,
  );
});
