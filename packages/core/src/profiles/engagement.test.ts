import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_BUCKETS, type EventCounters } from './profile.js';
import { compileEngagement, engagementScore } from './engagement.js';
import { compileWindowPlan, recordEvent } from './windows.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 10);
const windows = compileWindowPlan(['1h', '24h', '7d', '30d'], 60);

function stats(...ages: number[]): EventCounters {
  const counters = [NOW - Math.max(...ages), NOW - Math.min(...ages), ages.length];
  for (const age of ages) recordEvent(counters, windows, NOW - age, NOW, EVENT_BUCKETS);
  return counters;
}

const events: Record<string, EventCounters> = {
  'Report Created': stats(0, DAY, 3 * DAY, 8 * DAY),
  $page: stats(0, 0, 0),
  'Invite Sent': stats(2 * DAY),
};

test('the score sums weighted counts in the engagement window', () => {
  const plan = compileEngagement(
    {
      window: '7d',
      weights: { 'Report Created': 5, $page: 0.5, Missing: 100, 'Invite Sent': 0 },
      max: 100,
    },
    windows,
  );
  assert.equal(plan.windowIndex, 2);
  assert.deepEqual(
    plan.weights.map(([name]) => name),
    ['Report Created', '$page', 'Missing'],
  );
  // 3 reports in the last 7 days (the 8-day-old one is out) × 5 + 3 pages × 0.5.
  assert.equal(engagementScore({ events }, plan, windows, NOW), 16.5);
  const daily = compileEngagement(
    { window: '24h', weights: { 'Report Created': 5 }, max: 100 },
    windows,
  );
  assert.equal(
    engagementScore({ events }, daily, windows, NOW),
    5,
    'the 24h-old event is at the edge: out',
  );
});

test('the score is capped at max and rounded to 2 decimals', () => {
  const capped = compileEngagement({ window: '30d', weights: { $page: 40 }, max: 100 }, windows);
  assert.equal(engagementScore({ events }, capped, windows, NOW), 100);
  const third = compileEngagement({ window: '30d', weights: { $page: 1 / 3 }, max: 100 }, windows);
  assert.equal(engagementScore({ events }, third, windows, NOW), 1);
  const odd = compileEngagement(
    { window: '30d', weights: { 'Invite Sent': 1 / 3 }, max: 100 },
    windows,
  );
  assert.equal(engagementScore({ events }, odd, windows, NOW), 0.33);
});

test('weights named like Object.prototype members read nothing', () => {
  const plan = compileEngagement(
    {
      window: '7d',
      weights: { toString: 3, constructor: 2, __proto__: 1 } as Record<string, number>,
      max: 10,
    },
    windows,
  );
  assert.equal(engagementScore({ events }, plan, windows, NOW), 0);
});

test('a window outside the plan is a configuration error', () => {
  assert.throws(
    () => compileEngagement({ window: '14d', weights: {}, max: 100 }, windows),
    /not among the profile windows/,
  );
});
