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

describe('mergeRuleState: flows and interactions', () => {
  it('merges flow progress step by step: earliest times, the later step and variant', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    target.flows = {
      setup: {
        step: 'c',
        at: t0 + 50,
        startedAt: t0 + 10,
        variant: 'long',
        done: { a: t0 + 20, b: t0 + 50 },
        dismissed: { d: t0 + 30 },
      },
      tour: {
        step: '',
        at: t0 + 40,
        startedAt: t0 + 5,
        done: { x: t0 + 40 },
        completedAt: t0 + 40,
      },
    };
    source.flows = {
      setup: {
        step: 'b',
        at: t0 + 60,
        startedAt: t0 + 1,
        variant: 'short',
        done: { a: t0 + 2, e: t0 + 60 },
        skipped: { f: t0 + 3 },
      },
      tour: { step: 'x', at: t0 + 45, startedAt: t0 + 2 },
      other: { step: 'one', at: t0 },
    };
    mergeRuleState(target, source);
    assert.deepEqual(target.flows, {
      setup: {
        step: 'b',
        at: t0 + 60,
        startedAt: t0 + 1,
        variant: 'short',
        done: { a: t0 + 2, b: t0 + 50, e: t0 + 60 },
        skipped: { f: t0 + 3 },
        dismissed: { d: t0 + 30 },
      },
      // Completed by either half: completed.
      tour: {
        step: '',
        at: t0 + 45,
        startedAt: t0 + 2,
        done: { x: t0 + 40 },
        completedAt: t0 + 40,
      },
      other: { step: 'one', at: t0 },
    });
  });

  it('merges flows only the source has, and ignores unsafe or malformed entries', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    source.flows = JSON.parse(
      '{"__proto__": {"step": "x", "at": 1}, "bad": null, "ok": {"step": "a", "at": 2, "done": {"__proto__": 1, "a": 2}}}',
    ) as typeof source.flows;
    target.flows = JSON.parse(
      '{"ok": {"step": "b", "at": 1, "done": null}}',
    ) as typeof target.flows;
    mergeRuleState(target, source);
    assert.deepEqual(Object.keys(target.flows ?? {}), ['ok']);
    assert.deepEqual(target.flows?.['ok'], { step: 'a', at: 2, done: { a: 2 } });
    assert.equal(({} as Record<string, unknown>)['step'], undefined);
  });

  it('sums content interactions', () => {
    const target = createProfile('t', t0);
    const source = createProfile('s', t0);
    target.interactions = { welcome: [2, 1, 0, 0, t0 + 5, -1] };
    source.interactions = {
      welcome: [1, 0, 1, 0, t0 + 3, t0 + 4],
      tip: [1, 0, 0, 0, t0, -1],
    };
    mergeRuleState(target, source);
    assert.deepEqual(target.interactions, {
      welcome: [3, 1, 1, 0, t0 + 5, t0 + 4],
      tip: [1, 0, 0, 0, t0, -1],
    });
    const alone = createProfile('a', t0);
    mergeRuleState(alone, source);
    assert.deepEqual(alone.interactions, source.interactions);
    assert.notEqual(alone.interactions?.['tip'], source.interactions['tip']);
  });
});
