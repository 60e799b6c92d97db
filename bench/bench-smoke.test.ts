import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Cleanup } from './lib/cleanup.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { sumOfSamples } from './lib/engine-metrics.js';
import { decodeFirstLine } from './lib/source-lines.js';
import { startBareFastify } from './lib/engine-process.js';
import { createBatchSource } from './lib/ingest-bodies.js';
import { createOnboardingHistories, onboardingEventsPerProfile } from './lib/onboarding-events.js';
import { totalOf } from './lib/push-latency.js';
import { mergeResults } from './lib/results.js';
import { percentile, summarize } from './lib/stats.js';
import { formatNumber, formatResultRows } from './lib/table.js';

const scratch = mkdtempSync(join(tmpdir(), 'onramp-bench-smoke-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    assert.equal(percentile(values, 50), 5);
    assert.equal(percentile(values, 90), 9);
    assert.equal(percentile(values, 99), 10);
    assert.equal(percentile(values, 0), 1);
    assert.equal(percentile(values, 100), 10);
    assert.equal(percentile([42], 99), 42);
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile(values, 101), RangeError);
  });

  it('summarizes a sample', () => {
    const summary = summarize(Array.from({ length: 1000 }, (_, i) => 1000 - i));
    assert.deepEqual(
      { ...summary },
      { count: 1000, min: 1, mean: 500.5, p50: 500, p90: 900, p99: 990, max: 1000 },
    );
  });
});

describe('mergeResults', () => {
  it('keeps other keys, overwrites its own and skips non-finite figures', () => {
    const path = join(scratch, 'bench-results.json');
    writeFileSync(path, JSON.stringify({ rules_ratio: 1.5, ingest_events_per_s: 1 }));
    const merged = mergeResults(path, {
      ingest_events_per_s: 123_456,
      push_p99_ms: Number.NaN,
      profile_bytes: 1500,
    });
    const written = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
    assert.deepEqual(written, {
      ingest_events_per_s: 123_456,
      profile_bytes: 1500,
      rules_ratio: 1.5,
    });
    assert.deepEqual(merged, written);
  });

  it('creates the file, and refuses to overwrite one that is not a JSON object', () => {
    const fresh = join(scratch, 'fresh.json');
    mergeResults(fresh, { a: 1 });
    assert.deepEqual(JSON.parse(readFileSync(fresh, 'utf8')), { a: 1 });
    const broken = join(scratch, 'broken.json');
    writeFileSync(broken, '{ not json');
    assert.throws(() => mergeResults(broken, { a: 1 }), /not valid JSON/);
    writeFileSync(broken, '[1, 2]');
    assert.throws(() => mergeResults(broken, { a: 1 }), /JSON object/);
  });
});

describe('tables', () => {
  it('formats numbers and result rows', () => {
    assert.equal(formatNumber(123_456.7), '123 457');
    assert.equal(formatNumber(3.14159), '3.14');
    assert.equal(formatNumber(42.42), '42.4');
    const table = formatResultRows([
      { measurement: 'ingest', value: 120_000, unit: 'events/s', target: '≥ 100 000', met: true },
      { measurement: 'push p99', value: 12.5, unit: 'ms', target: '≤ 10', met: false },
    ]);
    const lines = table.split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2] ?? '', /^ingest\s+120 000\s+events\/s\s+≥ 100 000\s+ok$/);
    assert.match(lines[3] ?? '', /MISSED/);
  });
});

describe('request bodies', () => {
  it('gives every event of every body a unique messageId', () => {
    const source = createBatchSource({ batchSize: 100, templates: 3, users: 50 });
    const ids = new Set<string>();
    for (let i = 0; i < 7; i++) {
      const body = JSON.parse(source.next()) as { batch: { messageId: string; type: string }[] };
      assert.equal(body.batch.length, 100);
      for (const event of body.batch) {
        assert.equal(event.type, 'track');
        ids.add(event.messageId);
      }
    }
    assert.equal(ids.size, 700);
    assert.equal(source.count, 7);
  });

  it('builds onboarding histories of 30 ordered events', () => {
    const events = createOnboardingHistories()(3, Date.UTC(2026, 0, 10));
    assert.equal(events.length, onboardingEventsPerProfile);
    assert.equal(events.length, 30);
    assert.equal(events.filter((event) => event.type === 'identify').length, 1);
    for (let i = 1; i < events.length; i++) {
      assert.ok((events[i]?.timestamp ?? 0) > (events[i - 1]?.timestamp ?? 0));
    }
  });

  it('reads an event total from a pushed profile summary', () => {
    const summary = JSON.stringify({ metrics: { events: { 'Bench Tick': { total: 7 } } } });
    assert.equal(totalOf(summary, 'Bench Tick'), 7);
    assert.equal(totalOf(summary, 'Other'), 0);
    assert.equal(totalOf('{}', 'Bench Tick'), 0);
  });
});

describe('cleanup and child processes', () => {
  it('releases resources most recent first, once each', async () => {
    const cleanup = new Cleanup();
    const released: string[] = [];
    cleanup.add(async () => void released.push('first'));
    const releaseSecond = cleanup.add(async () => void released.push('second'));
    cleanup.add(async () => {
      throw new Error('boom');
    });
    await releaseSecond();
    const failures = await cleanup.releaseAll();
    assert.deepEqual(released, ['second', 'first']);
    assert.deepEqual(
      failures.map((failure) => failure.message),
      ['boom'],
    );
    assert.equal(cleanup.size, 0);
  });

  it('runs the bare Fastify peer on loopback and stops it', async () => {
    const cleanup = new Cleanup();
    try {
      const server = await startBareFastify(cleanup);
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const body = createBatchSource({ batchSize: 10, templates: 1, users: 5 }).next();
      const response = await fetch(`${server.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { success: true });
      await server.stop();
      await assert.rejects(fetch(`${server.url}/readyz`));
    } finally {
      await cleanup.releaseAll();
    }
  });
});

describe('cpu profiles', () => {
  it('ranks self time by function and by file', () => {
    const path = join(scratch, 'sample.cpuprofile');
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
    writeFileSync(
      path,
      JSON.stringify({
        startTime: 0,
        endTime: 100,
        nodes: [
          { id: 1, callFrame: frame('(root)', ''), hitCount: 0, children: [7, 5, 6] },
          { id: 7, callFrame: frame('ingest', 'file:///repo/packages/x.ts'), children: [2, 3] },
          { id: 2, callFrame: frame('parse', 'file:///repo/src/a.ts'), hitCount: 6, children: [4] },
          { id: 3, callFrame: frame('apply', 'file:///repo/src/b.ts'), hitCount: 3 },
          { id: 4, callFrame: frame('parse', 'file:///repo/src/a.ts'), hitCount: 0 },
          { id: 5, callFrame: frame('(garbage collector)', ''), hitCount: 1 },
          { id: 6, callFrame: frame('(idle)', ''), hitCount: 10 },
        ],
      }),
    );
    const summary = summarizeCpuProfile(path, 2, '/repo/');
    assert.deepEqual(summary.functions, [
      { name: 'parse src/a.ts:10', share: 0.6 },
      { name: 'apply src/b.ts:10', share: 0.3 },
    ]);
    assert.equal(summary.files[0]?.name, 'src/a.ts');
    assert.equal(summary.busySamples, 10);
    assert.equal(summary.totalSamples, 20);
    assert.deepEqual(summary.ownTotals, [{ name: 'ingest packages/x.ts:10', share: 0.9 }]);
  });
});

describe('engine metrics and source maps', () => {
  it('sums the samples of one metric over its labels', () => {
    const text = [
      '# HELP onramp_log_lag_events Offsets between the head and the processor.',
      '# TYPE onramp_log_lag_events gauge',
      'onramp_log_lag_events{partition="0"} 12',
      'onramp_log_lag_events{partition="1"} 30',
      'onramp_log_lag_events_other 1000',
      'onramp_processor_events_total 5',
    ].join('\n');
    assert.equal(sumOfSamples(text, 'onramp_log_lag_events'), 42);
    assert.equal(sumOfSamples(text, 'onramp_processor_events_total'), 5);
    assert.equal(sumOfSamples(text, 'onramp_missing'), undefined);
  });

  it('decodes the first generated line of a source map', () => {
    // Columns 0, 4 and 10 of the generated line map to original lines 1, 3 and 2 (0-based 0, 2, 1).
    assert.deepEqual(decodeFirstLine('AAAA,IAEA,MADA;AACA'), [
      [0, 0],
      [4, 2],
      [10, 1],
    ]);
  });
});
