import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import type { CompiledRuleSet, RuleOutcome } from './rule.js';
import { runRuleTimer, runRulesForEvent } from './run-rules.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

function send(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent,
  now = event.receivedAt,
): RuleOutcome {
  applyEvent(profile, event, set.profilePlan, now);
  return runRulesForEvent(set, profile, event, { now, depth: 0 });
}

function newProfile(traits = {}): ProfileState {
  const profile = createProfile('p1', T0);
  profile.userId = 'u1';
  profile.traits = { ...traits };
  return profile;
}

const timer = (profile: ProfileState, ruleId: string) => profile.rules?.timers?.[ruleId];

describe('inactive triggers', () => {
  const set = compileRules([
    {
      id: 'idle-help',
      trigger: { type: 'inactive', for: '5m' },
      actions: [{ type: 'decide', placement: 'modal', content: 'need-help' }],
    },
  ]);

  it('are re-armed by activity and fire once, only at the armed due time', () => {
    const profile = newProfile();
    const first = send(set, profile, trackEvent('Page Viewed', T0));
    assert.deepEqual(first.armed, [{ ruleId: 'idle-help', dueAt: T0 + 5 * MIN }]);
    send(set, profile, trackEvent('Page Viewed', T0 + 4 * MIN));
    assert.equal(timer(profile, 'idle-help'), T0 + 9 * MIN);
    const stale = runRuleTimer(set, profile, 'idle-help', T0 + 5 * MIN, T0 + 5 * MIN);
    assert.deepEqual(stale, { firings: [], effects: [], changed: false, armed: [] }, 'stale');
    const version = profile.version;
    const due = runRuleTimer(set, profile, 'idle-help', T0 + 9 * MIN, T0 + 9 * MIN + 300);
    assert.equal(due.firings.length, 1);
    assert.deepEqual(due.firings[0]?.cause, {
      type: 'timer',
      trigger: 'inactive',
      dueAt: T0 + 9 * MIN,
    });
    assert.equal(profile.version, version + 1);
    assert.equal(timer(profile, 'idle-help'), undefined, 'consumed');
    const again = runRuleTimer(set, profile, 'idle-help', T0 + 9 * MIN, T0 + 10 * MIN);
    assert.equal(again.changed, false, 'fires once');
  });

  it('are not re-armed by events rules emit, and never armed in the past', () => {
    const profile = newProfile();
    send(set, profile, trackEvent('Page Viewed', T0));
    const emitted = trackEvent('Nudged', T0 + MIN, {
      context: { onramp: { rule: 'x', depth: 1 } },
    });
    assert.deepEqual(send(set, profile, emitted).armed, []);
    assert.equal(timer(profile, 'idle-help'), T0 + 5 * MIN);
    // A late event processed an hour on: the user has been idle since; due now.
    const late = trackEvent('Page Viewed', T0 + 2 * MIN);
    send(set, profile, late, T0 + HOUR);
    assert.equal(timer(profile, 'idle-help'), T0 + HOUR);
  });

  it('are consumed without firing when the rule is gone or disabled', () => {
    const profile = newProfile();
    send(set, profile, trackEvent('Page Viewed', T0));
    const without = compileRules([
      {
        id: 'idle-help',
        enabled: false,
        trigger: { type: 'inactive', for: '5m' },
        actions: [{ type: 'emit', event: 'X' }],
      },
    ]);
    const outcome = runRuleTimer(without, profile, 'idle-help', T0 + 5 * MIN, T0 + 5 * MIN);
    assert.equal(outcome.changed, true);
    assert.deepEqual(outcome.firings, []);
    assert.equal(timer(profile, 'idle-help'), undefined);
  });
});

describe('delay triggers', () => {
  const set = compileRules([
    {
      id: 'nudge',
      trigger: {
        type: 'delay',
        event: 'Signed Up',
        where: { 'properties.plan': 'trial' },
        delay: '24h',
        unless: ['Project Created'],
      },
      condition: { 'traits.role': { $ne: 'admin' } },
      actions: [{ type: 'message', channel: 'email', template: 'create-a-project' }],
    },
  ]);
  const signup = (at: number, plan = 'trial') =>
    trackEvent('Signed Up', at, { properties: { plan } });

  it('arm on a matching event, re-arm on the next, fire `delay` after the last', () => {
    const profile = newProfile();
    assert.deepEqual(send(set, profile, signup(T0, 'paid')).armed, [], 'filtered out');
    send(set, profile, signup(T0));
    send(set, profile, signup(T0 + HOUR));
    assert.equal(timer(profile, 'nudge'), T0 + 25 * HOUR);
    const outcome = runRuleTimer(set, profile, 'nudge', T0 + 25 * HOUR, T0 + 25 * HOUR);
    assert.deepEqual(outcome.effects, [
      {
        type: 'message',
        id: `nudge:p1:timer:${T0 + 25 * HOUR}`,
        profileId: 'p1',
        ruleId: 'nudge',
        channel: 'email',
        template: 'create-a-project',
        variables: {},
        at: T0 + 25 * HOUR,
      },
    ]);
  });

  it('are cancelled by an unless event', () => {
    const profile = newProfile();
    send(set, profile, signup(T0));
    const outcome = send(set, profile, trackEvent('Project Created', T0 + HOUR));
    assert.equal(outcome.changed, true);
    assert.equal(timer(profile, 'nudge'), undefined);
    assert.equal(
      runRuleTimer(set, profile, 'nudge', T0 + 24 * HOUR, T0 + 24 * HOUR).changed,
      false,
    );
  });

  it('check the condition when they fire', () => {
    const profile = newProfile({ role: 'admin' });
    send(set, profile, signup(T0));
    const outcome = runRuleTimer(set, profile, 'nudge', T0 + 24 * HOUR, T0 + 24 * HOUR);
    assert.equal(outcome.changed, true, 'consumed');
    assert.deepEqual(outcome.firings, []);
  });
});

describe('localTime triggers', () => {
  const set = compileRules([
    {
      id: 'morning',
      trigger: { type: 'localTime', at: '09:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] },
      actions: [{ type: 'decide', placement: 'digest', content: 'daily-digest' }],
    },
  ]);

  it('arm for the next occurrence in the user timezone and re-arm when firing', () => {
    // Friday 27 March 2026, 10:00 in Paris (CET): next weekday 09:00 is Monday 30th, in CEST.
    const profile = newProfile({ timezone: 'Europe/Paris' });
    const friday = Date.UTC(2026, 2, 27, 9, 0);
    const outcome = send(set, profile, trackEvent('Ping', friday));
    const monday = Date.UTC(2026, 2, 30, 7, 0);
    assert.deepEqual(outcome.armed, [{ ruleId: 'morning', dueAt: monday }]);
    assert.deepEqual(send(set, profile, trackEvent('Ping', friday + MIN)).armed, [], 'armed once');
    const fired = runRuleTimer(set, profile, 'morning', monday, monday + 200);
    assert.equal(fired.firings.length, 1);
    assert.deepEqual(fired.armed, [{ ruleId: 'morning', dueAt: Date.UTC(2026, 2, 31, 7, 0) }]);
  });

  it('after downtime, fire once and re-arm for the next occurrence after now', () => {
    const profile = newProfile({ timezone: 'UTC' });
    const monday = Date.UTC(2026, 2, 2, 9, 0);
    send(set, profile, trackEvent('Ping', monday - HOUR));
    assert.equal(timer(profile, 'morning'), monday);
    const thursday = Date.UTC(2026, 2, 5, 12, 0);
    const fired = runRuleTimer(set, profile, 'morning', monday, thursday);
    assert.equal(fired.firings.length, 1);
    assert.equal(timer(profile, 'morning'), Date.UTC(2026, 2, 6, 9, 0));
  });

  it('re-compute a future timer on identify, which may change the timezone', () => {
    const profile = newProfile({ timezone: 'UTC' });
    const at = Date.UTC(2026, 2, 2, 6, 0);
    send(set, profile, trackEvent('Ping', at));
    assert.equal(timer(profile, 'morning'), Date.UTC(2026, 2, 2, 9, 0));
    const identify = trackEvent('', at + MIN, {
      type: 'identify',
      event: undefined,
      traits: { timezone: 'America/New_York' },
    });
    send(set, profile, identify);
    assert.equal(timer(profile, 'morning'), Date.UTC(2026, 2, 2, 14, 0), '09:00 EST');
  });
});
