import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compactBuckets,
  compileWindowPlan,
  countInWindow,
  countInWindows,
  mergeBuckets,
  recordEvent,
  type WindowPlan,
} from './windows.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1);
const defaults = compileWindowPlan(['30d', '1h', '7d', '24h'], 60);

/** The documented semantics, computed from the raw events. */
function bruteForce(plan: WindowPlan, events: readonly Recorded[], now: number): number[] {
  return plan.windows.map((w) => {
    const edge = Math.floor((now - w.ms) / w.bucketMs);
    return events.filter(({ at, recordedAt }) => {
      const t = Math.min(at, recordedAt + plan.horizonMs);
      return Math.floor(t / w.bucketMs) > edge;
    }).length;
  });
}

interface Recorded {
  at: number;
  recordedAt: number;
}

function recordAll(plan: WindowPlan, events: readonly Recorded[]): number[] {
  const buckets: number[] = [];
  for (const e of events) recordEvent(buckets, plan, e.at, e.recordedAt);
  return buckets;
}

/** Upper bound on entries after a write, from the header comment. */
function entryBound(plan: WindowPlan): number {
  return plan.windows.reduce(
    (sum, w, i) => sum + (i === 0 ? (2 * w.ms) / w.bucketMs + 1 : w.ms / w.bucketMs + 2),
    0,
  );
}

test('a reconfigured plan reads old entries at their start time', () => {
  const old = compileWindowPlan(['1h', '24h'], 60);
  const buckets: number[] = [];
  recordEvent(buckets, old, T0 - 2 * HOUR, T0); // tier 1 of 24-minute buckets
  recordEvent(buckets, old, T0 - MINUTE, T0);
  const reconfigured = compileWindowPlan(['1h', '6h', '24h'], 60);
  assert.deepEqual(countInWindows(buckets, reconfigured, T0), [1, 2, 2]);
  recordEvent(buckets, reconfigured, T0, T0);
  assert.deepEqual(countInWindows(buckets, reconfigured, T0), [2, 3, 3]);
});

test('the plan sorts windows and nests bucket widths', () => {
  assert.deepEqual(
    defaults.windows.map((w) => [w.label, w.bucketMs / MINUTE]),
    [
      ['1h', 1],
      ['24h', 24],
      ['7d', 168],
      ['30d', 672],
    ],
  );
  assert.equal(defaults.horizonMs, HOUR);
  assert.equal(compileWindowPlan(['1h', '60m'], 60).windows.length, 1);
  assert.throws(() => compileWindowPlan(['1 hour'], 60), /invalid window/);
  assert.throws(() => compileWindowPlan([], 60), RangeError);
  assert.throws(() => compileWindowPlan(['1h'], 0), RangeError);
});

test('the oldest edge of a window is exact to its bucket width', () => {
  const now = T0 + 30 * 1000; // 30 s into a minute bucket
  const buckets: number[] = [];
  recordEvent(buckets, defaults, now - HOUR, now); // in the bucket holding now − 1h: out of 1h
  recordEvent(buckets, defaults, T0 - HOUR + MINUTE, now); // first bucket after it: in
  recordEvent(buckets, defaults, now, now);
  assert.deepEqual(countInWindows(buckets, defaults, now), [2, 3, 3, 3]);
  // 29 s later nothing changes; 30 s later the next minute bucket falls out.
  assert.deepEqual(countInWindows(buckets, defaults, now + 29_999), [2, 3, 3, 3]);
  assert.deepEqual(countInWindows(buckets, defaults, now + 30_000), [1, 3, 3, 3]);
});

test('late, future and too old events land where the semantics say', () => {
  const now = T0;
  const buckets: number[] = [];
  recordEvent(buckets, defaults, now - 2 * DAY, now); // late: 7d and 30d only
  recordEvent(buckets, defaults, now + 10 * MINUTE, now); // future: counted at its time
  recordEvent(buckets, defaults, now + 5 * DAY, now); // far future: counted as now + 1h
  recordEvent(buckets, defaults, now - 31 * DAY, now); // older than every window
  assert.deepEqual(countInWindows(buckets, defaults, now), [2, 2, 3, 3]);
  assert.equal(buckets.length, 6, 'the too old event is not stored');
  assert.deepEqual(countInWindows(buckets, defaults, now + 2 * HOUR), [0, 2, 3, 3]);
  assert.equal(countInWindow(buckets, defaults, 2, now), 3);
  assert.equal(countInWindow(buckets, defaults, 9, now), 0);
});

test('old entries are compacted into coarser tiers and finally dropped', () => {
  const buckets: number[] = [];
  for (let i = 0; i < 600; i++) recordEvent(buckets, defaults, T0 + i * MINUTE, T0 + i * MINUTE);
  const now = T0 + 600 * MINUTE;
  assert.deepEqual(countInWindows(buckets, defaults, now), [59, 600, 600, 600]);
  assert.ok(buckets.length / 2 <= 60 + 26, `${buckets.length / 2} entries`);
  compactBuckets(buckets, defaults, now + 40 * DAY);
  assert.deepEqual(buckets, []);
});

test('entries of an unknown tier (another plan) are ignored and dropped', () => {
  const buckets = [T0 * 16 + 9, 5]; // tier 9: the plan has 4
  assert.deepEqual(countInWindows(buckets, defaults, T0), [0, 0, 0, 0]);
  recordEvent(buckets, defaults, T0, T0);
  assert.deepEqual(countInWindows(buckets, defaults, T0), [1, 1, 1, 1]);
  assert.equal(buckets.length, 2);
});

test('a non-finite now changes nothing', () => {
  const buckets: number[] = [];
  recordEvent(buckets, defaults, T0, T0);
  const before = buckets.slice();
  recordEvent(buckets, defaults, T0, Number.NaN);
  mergeBuckets(buckets, before, defaults, Number.NaN);
  assert.deepEqual(buckets, before);
});

test('merging an array into itself doubles it', () => {
  const buckets: number[] = [];
  recordEvent(buckets, defaults, T0 - 3 * HOUR, T0);
  recordEvent(buckets, defaults, T0, T0);
  mergeBuckets(buckets, buckets, defaults, T0);
  assert.deepEqual(countInWindows(buckets, defaults, T0), [2, 4, 4, 4]);
});

const planArb = fc
  .record({
    lengths: fc.uniqueArray(fc.integer({ min: 4, max: 50_000 }), { minLength: 1, maxLength: 5 }),
    perWindow: fc.integer({ min: 1, max: 24 }),
  })
  .map(({ lengths, perWindow }) =>
    compileWindowPlan(
      lengths.map((ms) => `${ms}ms`),
      perWindow,
    ),
  );

/** Events with processing times that never go back, timestamps anywhere around them. */
const eventsArb = fc
  .array(fc.record({ step: fc.nat(5_000), offset: fc.integer({ min: -120_000, max: 60_000 }) }), {
    maxLength: 120,
  })
  .map((steps) => {
    let clock = 1_000_000;
    return steps.map(({ step, offset }) => {
      clock += step;
      return { at: clock + offset, recordedAt: clock };
    });
  });

test('property: counts equal the brute-force count of the documented semantics', () => {
  fc.assert(
    fc.property(planArb, eventsArb, fc.nat(200_000), (plan, events, later) => {
      const buckets: number[] = [];
      const bound = entryBound(plan);
      for (const e of events) {
        recordEvent(buckets, plan, e.at, e.recordedAt);
        assert.ok(buckets.length / 2 <= bound, 'entries stay within the bound');
      }
      const now = (events.at(-1)?.recordedAt ?? 1_000_000) + later;
      const expected = bruteForce(plan, events, now);
      assert.deepEqual(countInWindows(buckets, plan, now), expected);
      plan.windows.forEach((_, i) =>
        assert.equal(countInWindow(buckets, plan, i, now), expected[i]),
      );
      const keys = buckets.filter((_, i) => i % 2 === 0);
      assert.equal(new Set(keys).size, keys.length, 'keys are unique');
      assert.ok(
        buckets.every((v, i) => i % 2 === 0 || v > 0),
        'counts are positive',
      );
    }),
    { numRuns: 400 },
  );
});

test('property: merge(a, b) counts as if all events were recorded into one', () => {
  fc.assert(
    fc.property(
      planArb,
      eventsArb,
      fc.array(fc.boolean(), { minLength: 120, maxLength: 120 }),
      fc.nat(100_000),
      fc.nat(100_000),
      (plan, events, sides, mergeDelay, countDelay) => {
        const a = events.filter((_, i) => sides[i]);
        const b = events.filter((_, i) => !sides[i]);
        const target = recordAll(plan, a);
        const source = recordAll(plan, b);
        const sourceBefore = source.slice();
        const mergeNow = (events.at(-1)?.recordedAt ?? 1_000_000) + mergeDelay;
        mergeBuckets(target, source, plan, mergeNow);
        assert.deepEqual(source, sourceBefore, 'the source is not changed');
        const now = mergeNow + countDelay;
        const whole = recordAll(plan, events);
        assert.deepEqual(countInWindows(target, plan, now), countInWindows(whole, plan, now));
        assert.deepEqual(countInWindows(target, plan, now), bruteForce(plan, events, now));
      },
    ),
    { numRuns: 300 },
  );
});

test('property: pairs after an offset count as without it, the entries before untouched', () => {
  fc.assert(
    fc.property(planArb, eventsArb, eventsArb, fc.nat(100_000), (plan, events, others, later) => {
      const prefix = [1.5e12, 7, 42];
      const offset = [...prefix];
      const plain: number[] = [];
      for (const e of events) {
        recordEvent(offset, plan, e.at, e.recordedAt, prefix.length);
        recordEvent(plain, plan, e.at, e.recordedAt);
      }
      const source = [...prefix, ...recordAll(plan, others)];
      const mergeNow = Math.max(events.at(-1)?.recordedAt ?? 0, others.at(-1)?.recordedAt ?? 0);
      mergeBuckets(offset, source, plan, mergeNow, prefix.length);
      mergeBuckets(plain, recordAll(plan, others), plan, mergeNow);
      const now = mergeNow + later;
      compactBuckets(offset, plan, now, prefix.length);
      compactBuckets(plain, plan, now);
      assert.deepEqual(offset.slice(0, prefix.length), prefix);
      assert.deepEqual(
        countInWindows(offset, plan, now, prefix.length),
        countInWindows(plain, plan, now),
      );
      plan.windows.forEach((_, i) =>
        assert.equal(
          countInWindow(offset, plan, i, now, prefix.length),
          countInWindow(plain, plan, i, now),
        ),
      );
      assert.equal(offset.length - prefix.length, plain.length);
    }),
    { numRuns: 200 },
  );
});
