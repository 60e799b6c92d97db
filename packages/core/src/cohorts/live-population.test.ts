import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterModel } from '../segments/segment.js';
import { LivePopulation, type LiveCohort } from './live-population.js';
import { generatePopulation, seededRandom } from './rank-error.js';

const SCORES: LiveCohort = {
  id: 'scores',
  percents: [20, 50, 30],
  minPopulation: 5,
  sketchKey: 'scores\u0000engagement',
};

/** A population whose one cohort is ready, holding 0..count−1 (profiles p0000…). */
function readyPopulation(count: number, cohort: LiveCohort = SCORES): LivePopulation {
  const population = new LivePopulation([cohort]);
  for (let i = 0; i < count; i++) population.observe(cohort.id, profileId(i), undefined, i);
  population.markReady(cohort.id);
  return population;
}

function profileId(i: number): string {
  return `p${String(i).padStart(6, '0')}`;
}

function model(clusteringId: string, run: number): ClusterModel {
  return {
    clusteringId,
    run,
    trainedAt: run * 1000,
    offsets: [0],
    scales: [1],
    centroids: [[0], [1]],
    labels: ['c1', 'c2'],
  };
}

describe('LivePopulation bands', () => {
  it('places values top first by their share of the population below', () => {
    const population = readyPopulation(100);
    assert.equal(population.cohortBand('scores', 99), 0);
    assert.equal(population.cohortBand('scores', 80), 0);
    assert.equal(population.cohortBand('scores', 79), 1);
    assert.equal(population.cohortBand('scores', 30), 1);
    assert.equal(population.cohortBand('scores', 29), 2);
    assert.equal(population.cohortBand('scores', -5), 2);
    assert.equal(population.cohortBand('scores', 1e9), 0);
  });

  it('places nobody while the cohort is building after a start', () => {
    const population = new LivePopulation([SCORES]);
    for (let i = 0; i < 100; i++) population.observe('scores', profileId(i), undefined, i);
    assert.equal(population.cohortReady('scores'), false);
    assert.equal(population.cohortBand('scores', 50), undefined);
    assert.equal(population.status('scores')?.building, true);
    population.markReady('scores');
    assert.equal(population.cohortReady('scores'), true);
    assert.equal(population.cohortBand('scores', 50), 1);
  });

  it('places nobody below minPopulation', () => {
    const population = readyPopulation(4);
    assert.equal(population.cohortBand('scores', 3), undefined);
    population.observe('scores', profileId(4), undefined, 4);
    assert.equal(population.cohortBand('scores', 4), 0);
    population.observe('scores', profileId(4), 4, undefined);
    assert.equal(population.cohortBand('scores', 3), undefined);
  });

  it('gives tied values one band', () => {
    const population = new LivePopulation([SCORES]);
    // 60 zeros among 100: every zero has rank 0, the bottom band grows past its 30 %.
    for (let i = 0; i < 100; i++)
      population.observe('scores', profileId(i), undefined, i < 60 ? 0 : i);
    population.markReady('scores');
    assert.equal(population.cohortBand('scores', 0), 2);
    assert.equal(population.cohortBand('scores', 60), 1);
    assert.equal(population.cohortBand('scores', 85), 0);
  });

  it('ignores bad values and unknown cohorts', () => {
    const population = readyPopulation(10);
    population.observe('scores', 'x', undefined, Number.NaN);
    population.observe('scores', 'y', undefined, Number.POSITIVE_INFINITY);
    population.observe('nope', 'z', undefined, 5);
    assert.equal(population.status('scores')?.size, 10);
    assert.equal(population.status('scores')?.ignored, 2);
    assert.equal(population.cohortBand('scores', Number.NaN), undefined);
    assert.equal(population.cohortBand('nope', 5), undefined);
    assert.equal(population.cohortReady('nope'), false);
    assert.equal(population.status('nope'), undefined);
    for (const call of [
      () => population.markReady('nope'),
      () => population.beginRebuild('nope'),
      () => population.rebuildAdd('nope', 'a', 1),
      () => population.finishRebuild('nope'),
      () => population.abortRebuild('nope'),
      () => population.markRebanded('nope'),
    ]) {
      assert.doesNotThrow(call);
    }
  });
});

describe('LivePopulation reconfigure', () => {
  it('keeps the sketch of an unchanged metric and empties a new one', () => {
    const population = readyPopulation(100);
    const fresh = population.reconfigure([
      { ...SCORES, percents: [50, 50] },
      { id: 'visits', percents: [50, 50], minPopulation: 1, sketchKey: 'visits\u0000sessions' },
    ]);
    assert.deepEqual(fresh, ['visits']);
    assert.equal(population.status('scores')?.size, 100);
    assert.equal(population.cohortReady('scores'), true);
    assert.equal(population.cohortBand('scores', 49), 1, 'the new bands apply');
    assert.equal(population.cohortReady('visits'), false);

    const renamed = population.reconfigure([{ ...SCORES, sketchKey: 'scores\u0000eventCount' }]);
    assert.deepEqual(renamed, ['scores']);
    assert.equal(population.status('scores')?.size, 0);
    assert.equal(population.status('visits'), undefined, 'a cohort no longer listed is dropped');
  });

  it('rejects duplicate ids and bad shares', () => {
    const population = new LivePopulation();
    assert.throws(() => population.reconfigure([SCORES, SCORES]), RangeError);
    assert.throws(() => population.reconfigure([{ ...SCORES, percents: [100, 0] }]), RangeError);
  });
});

describe('LivePopulation rebuild protocol', () => {
  /**
   * Profiles with values (ids p000000…); a scan in ascending id order with
   * random changes (new values, new profiles, profiles leaving) between its
   * steps, before and after the cursor.
   */
  function rebuildWithChurn(count: number, seed: number) {
    const random = seededRandom(seed);
    const values = new Map<string, number>();
    const population = new LivePopulation([SCORES]);
    const set = (id: string, value: number | undefined) => {
      population.observe('scores', id, values.get(id), value);
      if (value === undefined) values.delete(id);
      else values.set(id, value);
    };
    for (let i = 0; i < count; i++) set(profileId(i * 2), Math.floor(random() * 1000) / 10);
    population.markReady('scores');
    const churn = () => {
      const ids = [...values.keys()];
      const u = random();
      if (u < 0.6)
        set(ids[Math.floor(random() * ids.length)] as string, Math.floor(random() * 1000));
      else if (u < 0.8) set(profileId(Math.floor(random() * count * 2)), random() * 100);
      else set(ids[Math.floor(random() * ids.length)] as string, undefined);
    };
    population.beginRebuild('scores');
    let cursor = '';
    for (;;) {
      for (let k = Math.floor(random() * 4); k > 0; k--) churn();
      // The next page of one: the first id after the cursor, as a store scan finds it.
      const next = [...values.keys()].filter((id) => id > cursor).sort()[0];
      if (next === undefined) break;
      population.rebuildAdd('scores', next, values.get(next) as number);
      cursor = next;
    }
    for (let k = 0; k < 20; k++) churn();
    return { population, values };
  }

  it('with changes before and after the scan cursor, ends as a clean scan would', () => {
    // A few hundred values at most: each keeps its own centroid, so ranks are exact.
    const { population, values } = rebuildWithChurn(80, 3);
    assert.equal(population.status('scores')?.rebuilding, true);
    population.finishRebuild('scores');
    const clean = new LivePopulation([SCORES]);
    clean.beginRebuild('scores');
    for (const id of [...values.keys()].sort())
      clean.rebuildAdd('scores', id, values.get(id) as number);
    clean.finishRebuild('scores');

    const held = [...values.values()].sort((a, b) => a - b);
    assert.equal(population.status('scores')?.size, held.length);
    for (const value of held) {
      assert.equal(population.cohortBand('scores', value), clean.cohortBand('scores', value));
    }
    const thresholds = population.status('scores')?.thresholds;
    assert.deepEqual(thresholds, clean.status('scores')?.thresholds);
    assert.equal(population.status('scores')?.rebuilding, false);
  });

  it('the live sketch keeps serving bands during a rebuild, and an abort keeps it', () => {
    const population = readyPopulation(100);
    population.beginRebuild('scores');
    population.rebuildAdd('scores', profileId(0), 0);
    assert.equal(population.cohortBand('scores', 90), 0);
    population.abortRebuild('scores');
    assert.equal(population.status('scores')?.rebuilding, false);
    population.finishRebuild('scores');
    assert.equal(population.status('scores')?.size, 100, 'finish after abort is a no-op');
  });

  it('a first rebuild after a start ends building, and drops the stale live sketch', () => {
    const population = new LivePopulation([SCORES]);
    // Before the scan, events only remove values the empty live sketch never had.
    population.observe('scores', profileId(3), 3, 33);
    population.beginRebuild('scores');
    for (let i = 0; i < 50; i++) population.rebuildAdd('scores', profileId(i), i === 3 ? 33 : i);
    population.finishRebuild('scores');
    assert.equal(population.cohortReady('scores'), true);
    assert.equal(population.status('scores')?.size, 50);
    assert.equal(population.status('scores')?.churn, 0);
    assert.equal(population.cohortBand('scores', 49), 0);
  });

  it('rebuildAdd without beginRebuild is a no-op', () => {
    const population = readyPopulation(10);
    population.rebuildAdd('scores', profileId(99), 5);
    population.finishRebuild('scores');
    assert.equal(population.status('scores')?.size, 10);
  });

  it('a rebuild after heavy churn brings the rank error back to a clean sketch', () => {
    const values = generatePopulation('lognormal', 50_000, 8);
    const population = new LivePopulation([SCORES]);
    const random = seededRandom(2);
    const held = values.map((value) => value * random());
    held.forEach((value, i) => population.observe('scores', profileId(i), undefined, value));
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < values.length; i++) {
        const next = round === 3 ? (values[i] as number) : (values[i] as number) * random();
        population.observe('scores', profileId(i), held[i], next);
        held[i] = next;
      }
    }
    population.markReady('scores');
    assert.ok((population.status('scores')?.churn ?? 0) >= 3.9);
    const errorNow = () => {
      const sorted = [...values].sort((a, b) => a - b);
      const t = population.status('scores')?.thresholds ?? [];
      // Rank error at the band thresholds: |exact share below − boundary|.
      return Math.max(
        ...t.map((x, i) =>
          Math.abs(sorted.filter((v) => v < x).length / sorted.length - ([0.8, 0.3][i] as number)),
        ),
      );
    };
    const before = errorNow();
    population.beginRebuild('scores');
    values.forEach((value, i) => population.rebuildAdd('scores', profileId(i), value));
    population.finishRebuild('scores');
    assert.equal(population.status('scores')?.churn, 0);
    const after = errorNow();
    assert.ok(after <= 0.001, `threshold rank error after the rebuild ${after} (before ${before})`);
  });
});

describe('LivePopulation status and drift', () => {
  it('reports thresholds, band ranks and the drift since the last re-band', () => {
    const population = readyPopulation(1000);
    population.markRebanded('scores');
    let status = population.status('scores');
    assert.deepEqual(status?.bandRanks, [0.8, 0.3]);
    assert.equal(status?.drift, 0);
    assert.ok(Math.abs((status?.thresholds[0] ?? 0) - 800) <= 2);
    assert.ok(Math.abs((status?.thresholds[1] ?? 0) - 300) <= 2);
    // 250 newcomers above everyone: the old top threshold now sits at rank ≈ 0.64.
    for (let i = 0; i < 250; i++) population.observe('scores', `q${i}`, undefined, 5000 + i);
    status = population.status('scores');
    assert.ok(Math.abs((status?.drift ?? 0) - 0.16) < 0.005, `drift ${status?.drift}`);
    population.markRebanded('scores');
    assert.ok((population.status('scores')?.drift ?? 1) < 0.001);
  });

  it('forgets the re-band record when the bands change', () => {
    const population = readyPopulation(1000);
    population.markRebanded('scores');
    for (let i = 0; i < 250; i++) population.observe('scores', `q${i}`, undefined, 5000 + i);
    population.reconfigure([{ ...SCORES, percents: [10, 90] }]);
    assert.equal(population.status('scores')?.drift, 0);
  });
});

describe('LivePopulation cluster models', () => {
  it('holds, replaces with newer runs and drops models', () => {
    const population = new LivePopulation();
    assert.equal(population.clusterModel('k'), undefined);
    population.setClusterModel(model('k', 2));
    population.setClusterModel(model('k', 1));
    assert.equal(population.clusterModel('k')?.run, 2, 'an older run does not replace a newer one');
    population.setClusterModel(model('k', 3));
    assert.equal(population.clusterModel('k')?.run, 3);
    population.dropClusterModel('k');
    assert.equal(population.clusterModel('k'), undefined);
  });
});
