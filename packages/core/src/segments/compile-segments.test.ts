import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleConfigError } from '../rules/rule.js';
import { compileConfig } from '../rules/rule-fixtures.js';

function issuesOf(config: Parameters<typeof compileConfig>[0]): string[] {
  try {
    compileConfig(config);
  } catch (error) {
    assert.ok(error instanceof RuleConfigError);
    return error.message.split('; ');
  }
  assert.fail('expected a RuleConfigError');
}

describe('compileSegments', () => {
  it('indexes segments by what can change them', () => {
    const { audiences } = compileConfig({
      profiles: {
        engagement: { window: '7d', max: 100, weights: { Exported: 5, $page: 1 } },
      },
      segments: [
        { id: 'pro', condition: { 'traits.plan': 'pro' } },
        { id: 'exporter', condition: { $event: { name: 'Exported', count: { $gte: 3 } } } },
        { id: 'engaged', condition: { engagement: { $gte: 10 } } },
        { id: 'new', condition: { $elapsed: { since: 'firstSeen', $lt: '1d' } } },
        { id: 'recent', condition: { $elapsed: { since: 'lastSeen', $lt: '1h' } } },
        { id: 'both', condition: { segments: { $all: ['pro', 'engaged'] } } },
      ],
    });
    const ids = (ranks: readonly number[]) => ranks.map((rank) => audiences.segments[rank]?.id);
    const index = audiences.index;
    // Named events; engagement only under weighted events; last seen under every event.
    assert.deepEqual(ids(index.byEvent.get('Exported') ?? []), ['exporter', 'engaged', 'recent']);
    assert.deepEqual(ids(index.byEvent.get('$page') ?? []), ['engaged', 'recent']);
    assert.deepEqual(ids(index.otherEvents), ['recent']);
    assert.deepEqual(ids(index.byEventWithFacts.get('$identify') ?? []), ['pro', 'recent']);
    // First seen changes once: a new profile is evaluated whole; time is the timer's.
    assert.ok(![...index.byEvent.values()].some((list) => ids(list).includes('new')));
    assert.deepEqual(ids(index.readingSegments), ['both']);
    assert.deepEqual(ids(index.timed), ['engaged', 'new', 'recent']);
    assert.deepEqual(ids(index.named.get('Exported') ?? []), ['exporter']);
    assert.equal(audiences.active, true);
  });

  it('knows cohort bands as memberships, and refuses segment triggers naming nothing', () => {
    const set = compileConfig({
      cohorts: [
        {
          id: 'engagement',
          metric: 'engagement',
          bands: [
            { id: 'top', percent: 20 },
            { id: 'middle', percent: 50 },
            { id: 'bottom', percent: 30 },
          ],
        },
      ],
      rules: [
        {
          id: 'top-users',
          trigger: { type: 'segment', segment: 'engagement:top', on: 'entered' },
          actions: [{ type: 'emit', event: 'Went Top' }],
        },
      ],
    });
    assert.deepEqual(
      [...set.audiences.memberships],
      ['engagement:top', 'engagement:middle', 'engagement:bottom'],
    );
    assert.deepEqual(
      issuesOf({
        rules: [
          {
            id: 'r',
            trigger: { type: 'segment', segment: 'nope', on: 'entered' },
            actions: [{ type: 'emit', event: 'X' }],
          },
        ],
      }),
      ['rules.0.trigger.segment: unknown segment "nope" (a segment id, or "cohort:band")'],
    );
  });

  it('names every problem by field', () => {
    const issues = issuesOf({
      segments: [
        { id: 'a', condition: { 'traits.plan': { $bogus: 1 } } },
        { id: 'a', condition: { 'event.name': 'x' } },
        { id: 'bad:id', condition: {} },
      ],
      cohorts: [
        {
          id: 'c',
          metric: 'wat',
          bands: [
            { id: 'x', percent: 60 },
            { id: 'x', percent: 30 },
          ],
        },
      ],
      clusterings: [
        {
          id: 'k',
          features: ['eventCount', 'eventCount', 'traits.__proto__'],
          k: { min: 5, max: 3 },
        },
      ],
    });
    const fields = issues.map((issue) => issue.split(':')[0]);
    assert.deepEqual(fields, [
      'segments.0.condition.traits.plan.$bogus',
      'segments.1.id',
      'segments.1.condition.event.name',
      'segments.2.id',
      'cohorts.0.metric',
      'cohorts.0.bands.1.id',
      'cohorts.0.bands',
      'clusterings.0.features.2',
      'clusterings.0.features',
      'clusterings.0.k',
    ]);
  });

  it('is inactive without segments, cohorts or clusterings', () => {
    assert.equal(compileConfig({}).audiences.active, false);
  });
});
