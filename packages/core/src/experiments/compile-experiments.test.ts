import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RuleConfigError } from '../rules/rule.js';
import { compileExperiments } from './compile-experiments.js';
import { bannerExperiment, compileWithExperiments } from './experiment-fixtures.js';

/** The issues of a config version with these experiments, as "path: message". */
function issuesOf(experiments: Record<string, unknown>[]): string[] {
  try {
    compileWithExperiments(experiments);
  } catch (error) {
    assert.ok(error instanceof RuleConfigError, String(error));
    return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  }
  return [];
}

describe('compiling experiments', () => {
  it('compiles variants into bucket bounds, indexes placements, flags and metrics', () => {
    const set = compileWithExperiments([
      bannerExperiment({ layer: { id: 'onboarding', from: 0, to: 50 } }),
      {
        id: 'editor-test',
        status: 'running',
        variants: [
          { id: 'off', weight: 33.33, flag: { key: 'new-editor', variant: 'off' } },
          { id: 'on', weight: 66.67, flag: { key: 'new-editor', variant: 'on' } },
        ],
      },
      bannerExperiment({ id: 'draft-one', status: 'draft' }),
    ]).experiments;
    const banner = set.byId.get('welcome-test');
    assert.deepEqual(
      banner?.variants.map((variant) => [variant.id, variant.until]),
      [
        ['control', 5000],
        ['friendly', 10000],
      ],
    );
    assert.equal(banner?.control.id, 'control');
    assert.deepEqual(banner?.layer && [banner.layer.from, banner.layer.to], [0, 5000]);
    assert.deepEqual(
      set.byId.get('editor-test')?.variants.map((v) => v.until),
      [3333, 10000],
    );
    assert.deepEqual(
      set.byPlacement.get('banner')?.map((e) => e.id),
      ['welcome-test'],
    );
    assert.deepEqual(
      set.byFlag.get('new-editor')?.map((e) => e.id),
      ['editor-test'],
    );
    assert.deepEqual(
      banner?.metricsByEvent.get('Project Created')?.map((m) => [m.id, m.withinMs]),
      [
        ['activated', 7 * 86_400_000],
        ['projects', Infinity],
      ],
    );
    assert.deepEqual(
      banner?.stepMetrics.map((m) => m.id),
      ['invited'],
    );
  });

  it('refuses weights that do not sum to 100, naming the variants', () => {
    const issues = issuesOf([
      bannerExperiment({
        variants: [
          { id: 'control', weight: 50 },
          { id: 'friendly', weight: 40, content: { item: 'welcome-b' } },
        ],
      }),
    ]);
    assert.deepEqual(issues, [
      '(experiments).0.variants: weights must sum to 100 (they sum to 90)',
    ]);
  });

  it('names unknown content, content variants, placements, flags, flows, steps and segments', () => {
    const issues = issuesOf([
      bannerExperiment({
        segment: 'nobody',
        variants: [
          { id: 'control', weight: 50, content: { item: 'welcome-b', variant: 'long' } },
          { id: 'friendly', weight: 50, content: { item: 'nope' } },
        ],
        metrics: [
          { id: 'a', type: 'step', flow: 'nope', step: 'x' },
          { id: 'b', type: 'step', flow: 'setup', step: 'nope' },
          { id: 'c', type: 'conversion', event: 'Any Event Is Fine' },
        ],
      }),
      {
        id: 'flags',
        placement: 'nowhere',
        variants: [
          { id: 'a', weight: 50, flag: { key: 'nope', variant: 'on' } },
          { id: 'b', weight: 50, flag: { key: 'new-editor', variant: 'maybe' } },
        ],
      },
      {
        id: 'tooltip-in-banner',
        placement: 'banner',
        variants: [{ id: 'a', weight: 100, content: { item: 'tip' } }],
      },
      {
        id: 'no-default',
        placement: 'empty',
        variants: [{ id: 'a', weight: 100 }],
      },
    ]);
    assert.deepEqual(issues.sort(), [
      '(experiments).0.metrics.0.flow: unknown flow "nope"',
      '(experiments).0.metrics.1.step: flow "setup" has no step "nope"',
      '(experiments).0.segment: unknown segment "nobody" (a segment id, or "cohort:band")',
      '(experiments).0.variants.0.content.variant: content "welcome-b" has no variant "long"',
      '(experiments).0.variants.1.content.item: unknown content "nope"',
      '(experiments).1.placement: unknown placement "nowhere"',
      '(experiments).1.variants.0.flag.key: unknown flag "nope"',
      '(experiments).1.variants.1.flag.variant: flag "new-editor" has no variant "maybe"',
      '(experiments).2.variants.0.content.item: a tooltip cannot show in placement "banner"',
      '(experiments).3.variants.0.content: needed: placement "empty" has no default content to show this variant',
    ]);
  });

  it('checks metric fields by type, filters, windows and property paths', () => {
    const issues = issuesOf([
      bannerExperiment({
        metrics: [
          { id: 'a', type: 'conversion' },
          { id: 'b', type: 'value', event: 'Paid' },
          { id: 'c', type: 'step', flow: 'setup', step: 'invite', event: 'X' },
          { id: 'd', type: 'count', event: 'X', where: { 'properties.n': { $nope: 1 } } },
          { id: 'e', type: 'value', event: 'Paid', property: 'constructor.x' },
          { id: 'a', type: 'count', event: 'Y' },
        ],
      }),
    ]);
    assert.deepEqual(issues, [
      '(experiments).0.metrics.0.event: a conversion metric needs `event`',
      '(experiments).0.metrics.1.property: a value metric needs `property`',
      '(experiments).0.metrics.2.event: a step metric has no `event`',
      ...issues.filter((issue) => issue.startsWith('(experiments).0.metrics.3.where')),
      '(experiments).0.metrics.4.property: "constructor.x" is not a property path',
      '(experiments).0.metrics.5.id: duplicate metric id "a" (also metric 0)',
    ]);
    assert.equal(issues.filter((i) => i.startsWith('(experiments).0.metrics.3.where')).length, 1);
  });

  it('refuses overlapping ranges of one layer, duplicate ids, unknown controls and event reads', () => {
    const issues = issuesOf([
      bannerExperiment({ layer: { id: 'l', from: 0, to: 60 } }),
      bannerExperiment({ id: 'b', layer: { id: 'l', from: 50, to: 100 } }),
      bannerExperiment({ id: 'c', layer: { id: 'other', from: 50, to: 100 } }),
      bannerExperiment({ id: 'b', layer: { id: 'z', from: 40, to: 40 } }),
      bannerExperiment({ id: 'd', control: 'nope', when: { 'event.name': 'x' } }),
    ]);
    assert.deepEqual(issues, [
      '(experiments).3.id: duplicate experiment id "b" (also experiment 1)',
      '(experiments).3.layer.to: must be greater than `from`',
      '(experiments).4.when.event.name: unknown path "event.name"',
      '(experiments).4.control: unknown variant "nope"',
      '(experiments).1.layer: range [50, 100) of layer "l" overlaps experiment 0\'s [0, 60)',
    ]);
  });

  it('reports schema errors by field: unknown fields, wrong types, __proto__', () => {
    const bad = (experiment: unknown) => {
      try {
        compileExperiments([experiment]);
      } catch (error) {
        assert.ok(error instanceof RuleConfigError);
        return error.issues.map((issue) => issue.path.join('.'));
      }
      return [];
    };
    assert.deepEqual(bad(bannerExperiment({ colour: 'red' })), ['(experiments).0.colour']);
    assert.deepEqual(bad(bannerExperiment({ traffic: '50' })), ['(experiments).0.traffic']);
    assert.deepEqual(bad(bannerExperiment({ traffic: 120 })), ['(experiments).0.traffic']);
    assert.deepEqual(bad(bannerExperiment({ status: 'paused' })), ['(experiments).0.status']);
    assert.deepEqual(bad(bannerExperiment({ id: '__proto__' })), ['(experiments).0.id']);
    assert.deepEqual(bad(bannerExperiment({ id: 'constructor' })), ['(experiments).0.id']);
    assert.deepEqual(bad(bannerExperiment({ variants: [{ id: 'constructor', weight: 100 }] })), [
      '(experiments).0.variants.0.id',
    ]);
    const proto = JSON.parse('{"id":"x","variants":[{"id":"a","weight":100}],"__proto__":{"a":1}}');
    assert.deepEqual(bad(proto), ['(experiments).0.__proto__']);
    assert.deepEqual(bad('nope'), ['(experiments).0']);
  });
});
