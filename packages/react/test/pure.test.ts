import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowView, Json } from '@onramp/sdk';
import { crossedMilestone } from '../src/components/milestone-badge.js';
import { sameFlag } from '../src/provider/decision-store.js';
import { decodeEntities } from '../src/text/decode-entities.js';
import { ctaField, safeUrl } from '../src/text/fields.js';
import { tourStartIndex, tourSteps, type TourStep } from '../src/tour/tour-steps.js';

// The pure parts: entity decoding, URL and field checks, the tour's start, milestones.

const flow = (statuses: Record<string, FlowView['steps'][number]['status']>): FlowView => ({
  flow: 'f',
  started: true,
  done: 0,
  total: 0,
  requiredDone: 0,
  requiredTotal: 0,
  percent: 0,
  completed: false,
  steps: Object.entries(statuses).map(([id, status]) => ({ id, required: true, status })),
});
const step = (target: string, id?: string): TourStep => ({ target, ...(id && { step: id }) });

describe('decodeEntities', () => {
  it("undoes exactly the server's escaping, in one pass", () => {
    assert.equal(decodeEntities('O&#39;Brien &amp; &lt;b&gt; &#34;x&#34;'), `O'Brien & <b> "x"`);
    assert.equal(decodeEntities('&amp;lt;'), '&lt;', 'no double decoding');
    assert.equal(decodeEntities('&nbsp; &#60; &copy;'), '&nbsp; &#60; &copy;', 'others stay');
    assert.equal(decodeEntities('plain'), 'plain');
  });
});

describe('safeUrl and ctaField', () => {
  it('keeps relative, http(s) and mailto links and drops script-capable schemes', () => {
    assert.equal(safeUrl('/start?a=1&amp;b=2'), '/start?a=1&b=2');
    assert.equal(safeUrl('https://x.test/p'), 'https://x.test/p');
    assert.equal(safeUrl('mailto:help@x.test'), 'mailto:help@x.test');
    for (const bad of [
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
      'java\tscript:x',
      'data:text/html,x',
      'vbscript:x',
    ]) {
      assert.equal(safeUrl(bad), undefined, bad);
    }
  });

  it('reads a cta only when its label is a non-empty string', () => {
    assert.deepEqual(ctaField({ cta: { label: 'Go', url: '/go' } }), { label: 'Go', url: '/go' });
    assert.deepEqual(ctaField({ cta: { label: 'Go' } }), { label: 'Go', url: undefined });
    const bad: Json[] = [null, 'Go', ['Go'], { label: 3 }, { label: '' }, { url: '/x' }];
    for (const cta of bad) {
      assert.equal(ctaField({ cta }), undefined, JSON.stringify(cta));
    }
    assert.equal(ctaField(JSON.parse('{"__proto__": {"label": "x"}}')), undefined);
  });
});

describe('tourSteps', () => {
  it('keeps steps with a target and the string fields, whatever else the fields hold', () => {
    const fields = JSON.parse(
      '{"steps": [{"target": "[data-id=&#34;a&#34;]", "title": "A", "step": "a", "body": 3},' +
        ' {"title": "no target"}, null, "x", 7, {"target": ""}, {"__proto__": {"target": "#p"}},' +
        ' {"target": "#b", "title": ["not", "text"]}]}',
    );
    assert.deepEqual(tourSteps(fields), [
      { target: '[data-id="a"]', title: 'A', step: 'a' },
      { target: '#b' },
    ]);
    assert.deepEqual(tourSteps({ steps: 'nope' }), []);
    assert.deepEqual(tourSteps({}), []);
  });
});

describe('tourStartIndex', () => {
  const steps = [step('#intro'), step('#a', 'a'), step('#b', 'b'), step('#outro')];

  it('starts at 0 without a flow, or with no tracked steps', () => {
    assert.equal(tourStartIndex(steps, undefined), 0);
    assert.equal(tourStartIndex([step('#x')], flow({})), 0);
  });

  it('starts at the first step not behind the person', () => {
    assert.equal(tourStartIndex(steps, flow({ a: 'todo', b: 'todo' })), 0, 'intro first');
    assert.equal(tourStartIndex(steps, flow({ a: 'done', b: 'todo' })), 2, 'intro passed');
    assert.equal(
      tourStartIndex(steps, flow({ a: 'todo', b: 'done' })),
      1,
      'a is to do; b passed the intro',
    );
    assert.equal(tourStartIndex(steps, flow({ a: 'done', b: 'skipped' })), 3, 'the outro');
    assert.equal(tourStartIndex(steps, flow({ a: 'dismissed', b: 'todo' })), 0);
  });

  it('is over (-1) when every step is behind', () => {
    assert.equal(tourStartIndex(steps.slice(0, 3), flow({ a: 'done', b: 'done' })), -1);
  });
});

describe('crossedMilestone', () => {
  it('gives the highest milestone crossed upwards, and nothing otherwise', () => {
    assert.equal(crossedMilestone(0, 50, [25, 50, 75, 100]), 50);
    assert.equal(crossedMilestone(50, 60, [25, 50, 75, 100]), undefined, 'already reached');
    assert.equal(crossedMilestone(80, 20, [25, 50]), undefined, 'going down');
    assert.equal(crossedMilestone(99, 100, [100]), 100);
  });
});

describe('sameFlag', () => {
  it('tells evaluations apart by value, variant, reason and the experiment that chose them', () => {
    const base = { key: 'f', value: { on: true }, variant: 'on', reason: 'SPLIT' as const };
    assert.equal(sameFlag(base, { ...base, value: { on: true } }), true);
    assert.equal(sameFlag(base, { ...base, value: { on: false } }), false);
    assert.equal(sameFlag(base, { ...base, reason: 'TARGETING_MATCH' }), false);
    const inExperiment = { ...base, experiment: 'e', experimentVariant: 'b' };
    assert.equal(sameFlag(base, inExperiment), false, 'the exposure to send differs');
    assert.equal(sameFlag(inExperiment, { ...inExperiment, experimentVariant: 'c' }), false);
    assert.equal(sameFlag(inExperiment, { ...inExperiment }), true);
  });
});
