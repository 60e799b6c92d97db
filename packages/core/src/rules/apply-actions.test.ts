import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import type { RuleOutcome } from './rule.js';
import { runRulesForEvent } from './run-rules.js';

const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

function run(actions: unknown[], profile: ProfileState, messageId = 'src-1'): RuleOutcome {
  const set = compileRules([{ id: 'r', trigger: { type: 'event', event: 'Ping' }, actions }]);
  return runRulesForEvent(set, profile, trackEvent('Ping', T0, { messageId }), {
    now: T0,
    depth: 0,
  });
}

function newProfile(): ProfileState {
  const profile = createProfile('p1', T0);
  profile.userId = 'u1';
  return profile;
}

describe('actions', () => {
  it('set and unset traits, nested by dotted path, with copies of the configured values', () => {
    const profile = newProfile();
    profile.traits = { plan: 'free', company: 'acme' };
    run(
      [
        { type: 'setTrait', trait: 'plan', value: 'trial' },
        { type: 'setTrait', trait: 'onboarding.checklist', value: { steps: [1, 2] } },
        { type: 'setTrait', trait: 'company.size', value: 10 },
        { type: 'unsetTrait', trait: 'missing.deep' },
      ],
      profile,
    );
    assert.deepEqual(profile.traits, {
      plan: 'trial',
      company: { size: 10 },
      onboarding: { checklist: { steps: [1, 2] } },
    });
    run([{ type: 'unsetTrait', trait: 'onboarding.checklist' }], profile);
    assert.deepEqual(profile.traits['onboarding'], {});
    run([{ type: 'unsetTrait', trait: 'plan' }], profile);
    assert.equal('plan' in profile.traits, false);
  });

  it('never writes a prototype through a trait path loaded from a profile', () => {
    const profile = newProfile();
    profile.traits = JSON.parse('{"__proto__": {"polluted": true}}') as ProfileState['traits'];
    run([{ type: 'setTrait', trait: 'a.b', value: 1 }], profile);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(profile.traits['a'], { b: 1 });
  });

  it('decide with variables and ttl, and clear', () => {
    const profile = newProfile();
    run(
      [
        {
          type: 'decide',
          placement: 'banner',
          content: 'promo',
          variables: { pct: 20 },
          ttl: '1h',
        },
      ],
      profile,
    );
    assert.deepEqual(profile.decisions?.['banner'], {
      content: 'promo',
      rule: 'r',
      version: 1,
      priority: 0,
      at: T0,
      expiresAt: T0 + 3_600_000,
      variables: { pct: 20 },
    });
    run([{ type: 'clearDecision', placement: 'banner' }], profile);
    assert.deepEqual(profile.decisions, {});
    const outcome = run([{ type: 'clearDecision', placement: 'banner' }], profile);
    assert.equal(outcome.firings.length, 1, 'clearing nothing still fires');
  });

  it('advance a flow to a step', () => {
    const profile = newProfile();
    run([{ type: 'advanceFlow', flow: 'onboarding', step: 'invite-team' }], profile);
    assert.deepEqual(profile.flows, { onboarding: { step: 'invite-team', at: T0 } });
  });

  it('queue messages with deterministic ids, distinct per action', () => {
    const profile = newProfile();
    const outcome = run(
      [
        { type: 'message', channel: 'webhook', template: 'crm-sync', variables: { plan: 'pro' } },
        { type: 'message', channel: 'email', template: 'welcome' },
      ],
      profile,
      'evt-9',
    );
    assert.deepEqual(
      outcome.effects.map((effect) =>
        effect.type === 'message' ? [effect.id, effect.variables] : [],
      ),
      [
        ['r:p1:evt-9', { plan: 'pro' }],
        ['r:p1:evt-9:1', {}],
      ],
    );
  });

  it('record the firing with the configured actions', () => {
    const profile = newProfile();
    const actions = [{ type: 'emit', event: 'Pinged', properties: { n: 1 } }];
    const outcome = run(actions, profile);
    assert.deepEqual(outcome.firings[0]?.actions, actions);
    assert.deepEqual(profile.rules?.fired?.['r'], [T0, 1]);
    const emitted = outcome.effects[0];
    assert.ok(emitted?.type === 'emit');
    (emitted.event.properties as Record<string, unknown>)['n'] = 2;
    const again = run(actions, newProfile());
    const next = again.effects[0];
    assert.ok(next?.type === 'emit');
    assert.deepEqual(next.event.properties, { n: 1 }, 'effects never share the config objects');
  });
});
