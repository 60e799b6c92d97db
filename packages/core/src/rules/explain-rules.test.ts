import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import { explainRules } from './explain-rules.js';
import { compileRules, trackEvent } from './rule-fixtures.js';

const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

describe('explainRules', () => {
  const set = compileRules([
    {
      id: 'referral-welcome',
      priority: 10,
      trigger: { type: 'event', event: 'Signed Up', where: { 'properties.source': 'ads' } },
      condition: { 'traits.plan': 'pro' },
      actions: [{ type: 'decide', placement: 'banner', content: 'welcome' }],
    },
    {
      id: 'generic-welcome',
      trigger: { type: 'event', event: 'Signed Up' },
      actions: [{ type: 'decide', placement: 'banner', content: 'generic' }],
    },
    {
      id: 'off',
      enabled: false,
      trigger: { type: 'event', event: 'Signed Up' },
      actions: [{ type: 'emit', event: 'Nope' }],
    },
    {
      id: 'pro',
      trigger: { type: 'condition' },
      condition: { 'traits.plan': 'pro' },
      actions: [{ type: 'setTrait', trait: 'pro', value: true }],
    },
    {
      id: 'idle',
      trigger: { type: 'inactive', for: '5m' },
      actions: [{ type: 'emit', event: 'Idle' }],
    },
  ]);
  const signup = trackEvent('Signed Up', T0, { properties: { source: 'ads' } });

  function proProfile() {
    const profile = createProfile('p1', T0);
    profile.userId = 'u1';
    profile.traits = { plan: 'pro' };
    applyEvent(profile, signup, set.profilePlan, T0);
    return profile;
  }

  it('explains every rule in evaluation order, with trees, without changing the profile', () => {
    const profile = proProfile();
    const before = structuredClone(profile);
    const explained = explainRules(set, profile, signup, T0);
    assert.deepEqual(profile, before, 'no mutation');
    assert.deepEqual(
      explained.map((rule) => [rule.ruleId, rule.triggered, rule.fires, rule.suppressedBy]),
      [
        ['referral-welcome', true, true, undefined],
        ['generic-welcome', true, false, 'lost-placement'],
        ['off', true, false, 'disabled'],
        ['pro', false, false, undefined],
        ['idle', false, false, undefined],
      ],
    );
    const first = explained[0];
    assert.equal(first?.trigger?.label, 'event');
    assert.equal(first?.trigger?.children?.[0]?.result, true, 'the where tree');
    assert.equal(first?.condition?.result, true);
    assert.deepEqual(first?.actions, [{ type: 'decide', placement: 'banner', content: 'welcome' }]);
    assert.match(explained[3]?.trigger?.label ?? '', /not re-checked/);
  });

  it('shows a false condition and its tree', () => {
    const profile = proProfile();
    profile.traits = { plan: 'free' };
    const [first, second] = explainRules(set, profile, signup, T0);
    assert.equal(first?.triggered, true);
    assert.equal(first?.condition?.result, false);
    assert.equal(first?.fires, false);
    assert.equal(first?.suppressedBy, undefined);
    assert.equal(second?.fires, true, 'then the generic welcome takes the banner');
  });

  it('without an event: condition crossings and due timers', () => {
    const profile = proProfile();
    profile.rules = { timers: { idle: T0 + 1 } };
    const at = explainRules(set, profile, undefined, T0);
    assert.equal(at.find((rule) => rule.ruleId === 'pro')?.fires, true);
    assert.equal(at.find((rule) => rule.ruleId === 'idle')?.triggered, false, 'not yet due');
    const later = explainRules(set, profile, undefined, T0 + 1);
    assert.equal(later.find((rule) => rule.ruleId === 'idle')?.fires, true);
    profile.rules.holding = ['pro'];
    const held = explainRules(set, profile, undefined, T0);
    assert.equal(held.find((rule) => rule.ruleId === 'pro')?.triggered, false, 'already held');
  });

  it('reports chain-depth for an event too deep in a chain', () => {
    const profile = proProfile();
    const explained = explainRules(set, profile, signup, T0, 4);
    assert.equal(explained[0]?.suppressedBy, 'chain-depth');
    assert.equal(explained[0]?.fires, false);
  });

  it('shows the due time an event arms a time trigger for, without firing it', () => {
    const timers = compileRules([
      {
        id: 'nudge',
        trigger: { type: 'delay', event: 'Signed Up', delay: '24h', unless: ['Project Created'] },
        actions: [{ type: 'message', channel: 'email', template: 'nudge' }],
      },
    ]);
    const profile = createProfile('p', T0);
    const signUp = trackEvent('Signed Up', T0);
    applyEvent(profile, signUp, timers.profilePlan, T0);
    const [nudge] = explainRules(timers, profile, signUp, T0);
    assert.equal(nudge?.triggered, false);
    assert.equal(nudge?.trigger?.expected, T0 + 24 * 3_600_000);
    assert.equal(profile.rules?.timers, undefined, 'the profile itself is untouched');
    const [cancelled] = explainRules(timers, profile, trackEvent('Project Created', T0), T0);
    assert.equal(cancelled?.trigger?.expected, null, 'an unless event cancels it');
  });
});
