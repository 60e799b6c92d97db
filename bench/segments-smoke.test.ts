import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProfileState } from '@onramp/core';
import { benchNow } from './lib/generated-profiles.js';
import { benchSegments, newBackfillSegment, segmentKinds } from './lib/segment-definitions.js';
import { createSegmentStream } from './lib/segment-events.js';
import { measureMembershipMemory } from './lib/segment-memory.js';
import { compileSegmentSet, runStreamPass } from './lib/segment-processor.js';
import { engagementPopulation } from './lib/segment-rank-error.js';
import { measureSegments, segmentsOptionsFromEnv } from './segments.js';

describe('segments benchmark data', () => {
  it('generates 200 segments of every kind that compile into one config', () => {
    const segments = benchSegments(200);
    assert.equal(new Set(segments.map((segment) => segment.id)).size, 200);
    assert.deepEqual(benchSegments(200), segments);
    // The 10-segment set has one of each broad family, as the 200 have.
    assert.equal(new Set(benchSegments(10).map((segment) => segment.id.split('-')[0])).size, 10);
    assert.equal(segmentKinds.length, 20);
    const set = compileSegmentSet([...segments, newBackfillSegment()]);
    const { index } = set.audiences;
    assert.equal(set.audiences.segments.length, 201);
    assert.ok(index.timed.length > 40, `${index.timed.length} time-dependent`);
    assert.ok(index.readingSegments.length === 10);
    assert.ok(index.otherEvents.length > 0 && index.otherEvents.length < 200);
    assert.throws(() => benchSegments(0), /at least 1/);
  });

  it('merges the varied histories into one stream in arrival order', () => {
    const stream = createSegmentStream(40, benchNow);
    assert.deepEqual(createSegmentStream(40, benchNow), stream);
    for (let i = 1; i < stream.length; i++) {
      assert.ok((stream[i - 1]?.receivedAt ?? 0) <= (stream[i]?.receivedAt ?? 0));
    }
    assert.ok(stream.every((event) => event.receivedAt <= benchNow));
    const identifies = stream.filter((event) => event.type === 'identify');
    assert.equal(identifies.length, 40);
    assert.ok(identifies.every((event) => typeof event.traits?.companySize === 'number'));
    // Some people stop early: fewer than 30 events each on average.
    assert.ok(stream.length < 40 * 30 && stream.length > 40 * 12);
    assert.ok(stream.some((event) => event.type === 'track' && event.event === 'Feature Used'));
  });

  it('applies the Segment Entered / Exited events the processor emits, or drops them', async () => {
    const stream = createSegmentStream(15, benchNow);
    const rules = compileSegmentSet(benchSegments(20));
    const applied = await runStreamPass(rules, stream, { chunk: 100, flushEvery: 300 });
    assert.equal(applied.errors, 0);
    assert.ok(applied.changes > 0);
    assert.equal(applied.applied, stream.length + applied.changes);
    assert.equal(applied.profiles.length, 15);
    assert.ok(applied.profiles.some((profile) => (profile.segments?.length ?? 0) > 0));
    const dropped = await runStreamPass(rules, stream, {
      chunk: 100,
      flushEvery: 300,
      dropEmitted: true,
    });
    assert.equal(dropped.applied, stream.length);
    assert.equal(dropped.changes, applied.changes);
  });

  it('measures the memory of membership lists, shared ids below own strings', () => {
    const ids = benchSegments(60).map((segment) => segment.id);
    const profiles = Array.from(
      { length: 2000 },
      (_, i) =>
        ({ id: `p${i}`, segments: ids.filter((_, j) => (i + j) % 3 === 0) }) as ProfileState,
    );
    const memory = measureMembershipMemory(profiles, ids);
    assert.equal(memory.membershipsPerProfile, 20);
    assert.ok(
      // Heap deltas are noisy on a loaded machine: bound them loosely; the comparison
      // with own strings below is what the measurement is for.
      memory.bytesPerMembership > 2 && memory.bytesPerMembership < 20,
      `${memory.bytesPerMembership}`,
    );
    assert.ok(memory.loadedBytesPerMembership > memory.bytesPerMembership + 8);
    const json = profiles.reduce(
      (sum, profile) => sum + `,"segments":${JSON.stringify(profile.segments)}`.length,
      0,
    );
    assert.equal(memory.jsonBytesPerProfile, json / 2000);
    // Read, not changed.
    assert.equal(profiles[0]?.segments?.length, 20);
  });

  it('draws engagement-like values: integers 0–100 with zeros', () => {
    const values = engagementPopulation(5000);
    assert.deepEqual(engagementPopulation(5000), values);
    assert.ok(values.every((value) => Number.isInteger(value) && value >= 0 && value <= 100));
    const zeros = values.filter((value) => value === 0).length / values.length;
    assert.ok(zeros > 0.1 && zeros < 0.25, `${zeros}`);
  });

  it('reads the knobs and refuses bad ones', () => {
    const defaults = segmentsOptionsFromEnv({});
    assert.equal(defaults.backfill.profiles, 1_000_000);
    assert.equal(defaults.backfill.segments, 200);
    assert.equal(defaults.rankError.population, 200_000);
    assert.equal(segmentsOptionsFromEnv({ BENCH_BACKFILL_PROFILES: '500' }).backfill.profiles, 500);
    assert.throws(() => segmentsOptionsFromEnv({ BENCH_SEGMENT_ROUNDS: '0' }), /ROUNDS/);
    assert.throws(() => segmentsOptionsFromEnv({ BENCH_BACKFILL_PROFILES: '1.5' }), /integer/);
  });
});

describe('segments suite, tiny run', () => {
  it('produces every key, with sane values', async () => {
    const report = await measureSegments(
      {
        cost: { profiles: 10, warmupProfiles: 3, rounds: 1, chunk: 200, flushEvery: 400 },
        backfill: { profiles: 300, segments: 200, templates: 30, fillBatch: 100 },
        rankError: { population: 2000, churnRounds: 1 },
      },
      () => {},
    );
    assert.deepEqual(report.errors, []);
    const figures = report.figures;
    for (const key of [
      'segments_200_vs_10_cost_ratio',
      'segments_event_us_10',
      'segments_event_us_200',
      'segment_membership_json_bytes_per_profile',
      'segment_backfill_profiles_per_s',
    ]) {
      const value = figures[key];
      assert.ok(value !== undefined && Number.isFinite(value) && value > 0, `${key} = ${value}`);
    }
    // Heap differences over 10 profiles are within the garbage collector's noise: present, not negative.
    for (const key of [
      'segment_membership_bytes_per_profile',
      'segment_membership_loaded_bytes_per_profile',
    ]) {
      const value = figures[key];
      assert.ok(value !== undefined && Number.isFinite(value) && value >= 0, `${key} = ${value}`);
    }
    assert.equal(figures.segment_backfill_profiles, 300);
    const rankError = figures.cohort_rank_error;
    assert.ok(rankError !== undefined && rankError >= 0 && rankError < 0.1, `${rankError}`);
    assert.ok((figures.segments_log_entries_per_event_200 ?? 0) >= 1);
    assert.ok(report.rows.some((row) => row.target === '≤ 2'));
  });
});
