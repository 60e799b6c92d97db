import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from './apply-event.js';
import { mergeRuleState } from './merge-rule-state.js';

const t0 = Date.UTC(2026, 0, 1);

describe('mergeRuleState', () => {
  it('keeps the higher-priority decision per placement, then the newer', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    target.decisions = {
      banner: { content: 'a', rule: 'r1', version: 1, priority: 5, at: t0 },
      modal: { content: 'b', rule: 'r2', version: 1, priority: 0, at: t0 },
    };
    source.decisions = {
      banner: { content: 'c', rule: 'r3', version: 1, priority: 1, at: t0 + 10 },
      modal: { content: 'd', rule: 'r4', version: 1, priority: 0, at: t0 + 10 },
      tip: { content: 'e', rule: 'r5', version: 1, priority: 0, at: t0 },
    };
    mergeRuleState(target, source);
    assert.deepEqual(
      Object.fromEntries(Object.entries(target.decisions).map(([k, v]) => [k, v.content])),
      { banner: 'a', modal: 'd', tip: 'e' },
    );
  });

  it('counts both halves against caps and the fatigue budget', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    target.rules = { fired: { nudge: [t0 + 5, 2, t0 + 1, t0 + 5] }, prompts: [t0 + 1, t0 + 5] };
    source.rules = {
      fired: { nudge: [t0 + 9, 1, t0 + 9], other: [t0 + 3, 1] },
      prompts: [t0 + 9],
      timers: { idle: t0 + 100 },
    };
    mergeRuleState(target, source);
    assert.deepEqual(target.rules?.fired?.['nudge'], [t0 + 9, 3, t0 + 5, t0 + 9]);
    assert.deepEqual(target.rules?.fired?.['other'], [t0 + 3, 1]);
    assert.deepEqual(target.rules?.prompts, [t0 + 5, t0 + 9]);
    assert.deepEqual(target.rules?.timers, { idle: t0 + 100 });
  });

  it("keeps the survivor's timers and the newer flow step", () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    target.rules = { timers: { idle: t0 + 50 } };
    source.rules = { timers: { idle: t0 + 10, digest: t0 + 20 } };
    target.flows = { setup: { step: 'invite', at: t0 + 5 } };
    source.flows = { setup: { step: 'profile', at: t0 + 1 }, tour: { step: 'one', at: t0 } };
    mergeRuleState(target, source);
    assert.deepEqual(target.rules?.timers, { idle: t0 + 50, digest: t0 + 20 });
    assert.deepEqual(target.flows, {
      setup: { step: 'invite', at: t0 + 5 },
      tour: { step: 'one', at: t0 },
    });
  });

  it('ignores unsafe keys from a loaded state', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    source.decisions = JSON.parse(
      '{"__proto__":{"content":"x","rule":"r","version":1,"priority":9,"at":1}}',
    ) as typeof source.decisions;
    mergeRuleState(target, source);
    assert.deepEqual(Object.keys(target.decisions ?? {}), []);
    assert.equal(({} as Record<string, unknown>)['content'], undefined);
  });
});
