import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OnrampEvent } from '../events/event.js';
import { applyEvent, createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { compileConfig, compileRules, trackEvent } from './rule-fixtures.js';
import type { CompiledRuleSet, RuleOutcome } from './rule.js';
import { runRulesForEvent, runRulesForSegmentChange } from './run-rules.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);

/** Applies the event as the processor does, then runs the rules. */
function send(
  set: CompiledRuleSet,
  profile: ProfileState,
  event: OnrampEvent,
  depth = 0,
): RuleOutcome {
  applyEvent(profile, event, set.profilePlan, event.receivedAt);
  return runRulesForEvent(set, profile, event, { now: event.receivedAt, depth });
}

function newProfile(): ProfileState {
  const profile = createProfile('p1', T0);
  profile.userId = 'u1';
  return profile;
}

const fired = (outcome: RuleOutcome) => outcome.firings.map((firing) => firing.ruleId);

describe('event triggers', () => {
  const set = compileRules([
    {
      id: 'reports-tutorial',
      trigger: { type: 'event', event: 'Feature Used', where: { 'properties.feature': 'reports' } },
      condition: {
        $event: {
          name: 'Feature Used',
          where: { 'properties.feature': 'reports' },
          count: { $gte: 2 },
        },
      },
      actions: [{ type: 'decide', placement: 'sidebar', content: 'reports-tutorial' }],
    },
    {
      id: 'any',
      priority: -1,
      trigger: { type: 'event', event: '*' },
      actions: [{ type: 'setTrait', trait: 'seen.any', value: true }],
    },
  ]);

  it('match the event name and filter, then the condition', () => {
    const profile = newProfile();
    const reports = { properties: { feature: 'reports' } };
    assert.deepEqual(fired(send(set, profile, trackEvent('Feature Used', T0, reports))), ['any']);
    assert.deepEqual(
      fired(
        send(set, profile, trackEvent('Feature Used', T0 + 1, { properties: { feature: 'x' } })),
      ),
      ['any'],
    );
    const third = send(set, profile, trackEvent('Feature Used', T0 + 2, reports));
    assert.deepEqual(fired(third), ['reports-tutorial', 'any']);
    assert.deepEqual(profile.decisions?.['sidebar'], {
      content: 'reports-tutorial',
      rule: 'reports-tutorial',
      version: 1,
      priority: 0,
      at: T0 + 2,
    });
    assert.deepEqual(profile.traits, { seen: { any: true } });
    const firing = third.firings[0];
    assert.deepEqual(firing?.cause, {
      type: 'event',
      event: 'Feature Used',
      messageId: (firing?.cause as { messageId: string }).messageId,
    });
    assert.equal(firing?.version, 1);
    assert.equal(firing?.profileId, 'p1');
  });

  it('bump the profile version once per run that changed it, and only then', () => {
    const quiet = compileRules([
      {
        id: 'x',
        trigger: { type: 'event', event: 'Other' },
        actions: [{ type: 'emit', event: 'Y' }],
      },
    ]);
    const profile = newProfile();
    const outcome = send(quiet, profile, trackEvent('Ping', T0));
    assert.equal(outcome.changed, false);
    assert.equal(profile.version, 1, 'applyEvent only');
    send(set, profile, trackEvent('Ping', T0));
    assert.equal(profile.version, 3);
  });
});

describe('condition triggers', () => {
  const set = compileRules([
    {
      id: 'power-user',
      trigger: { type: 'condition' },
      condition: { 'traits.activity': { $gt: 70 } },
      actions: [{ type: 'setTrait', trait: 'power', value: true }],
    },
    {
      id: 'capped',
      trigger: { type: 'condition' },
      condition: { 'traits.activity': { $gt: 70 } },
      actions: [{ type: 'setTrait', trait: 'capped', value: true }],
      constraints: { cooldown: '1h' },
    },
  ]);
  const identify = (activity: number, at: number) =>
    trackEvent('', at, { type: 'identify', event: undefined, traits: { activity } });

  it('fire on the crossing only, again after the condition turned false', () => {
    const profile = newProfile();
    const counts: string[][] = [];
    [50, 80, 90, 40, 75].forEach((activity, i) => {
      counts.push(fired(send(set, profile, identify(activity, T0 + i * 10 * MIN))));
    });
    assert.deepEqual(counts, [[], ['power-user', 'capped'], [], [], ['power-user']]);
    assert.deepEqual(
      profile.rules?.holding,
      ['power-user', 'capped'],
      'the suppressed crossing is consumed: capped holds without having fired again',
    );
  });

  it('are not re-checked by events that cannot change their condition', () => {
    const profile = newProfile();
    profile.traits['activity'] = 99; // set behind the rules' back
    assert.deepEqual(fired(send(set, profile, trackEvent('Clicked', T0))), []);
    assert.deepEqual(fired(send(set, profile, identify(99, T0 + 1))), ['power-user', 'capped']);
  });

  it('are re-checked in the same run when an action changed the traits they read', () => {
    const chained = compileRules([
      {
        id: 'advanced',
        priority: 10,
        trigger: { type: 'condition' },
        condition: { 'traits.level': 'advanced' },
        actions: [{ type: 'decide', placement: 'tips', content: 'advanced' }],
      },
      {
        id: 'promote',
        trigger: { type: 'event', event: 'Report Built' },
        actions: [{ type: 'setTrait', trait: 'level', value: 'advanced' }],
      },
    ]);
    const profile = newProfile();
    const outcome = send(chained, profile, trackEvent('Report Built', T0, { messageId: 'rb-1' }));
    assert.deepEqual(fired(outcome), ['promote', 'advanced']);
    assert.deepEqual(outcome.firings[1]?.cause, {
      type: 'condition',
      event: 'Report Built',
      messageId: 'rb-1',
    });
    assert.deepEqual(fired(send(chained, profile, trackEvent('Report Built', T0 + 1))), [
      'promote',
    ]);
  });

  it('are re-checked on every event when they read activity as well as traits', () => {
    const active = compileRules([
      {
        id: 'active-pro',
        trigger: { type: 'condition' },
        condition: { 'traits.plan': 'pro', eventCount: { $gte: 3 } },
        actions: [{ type: 'setTrait', trait: 'activePro', value: true }],
      },
    ]);
    const profile = newProfile();
    profile.traits['plan'] = 'pro';
    assert.deepEqual(fired(send(active, profile, trackEvent('A', T0))), []);
    assert.deepEqual(fired(send(active, profile, trackEvent('B', T0 + 1))), []);
    assert.deepEqual(fired(send(active, profile, trackEvent('C', T0 + 2))), ['active-pro']);
  });

  it('are re-checked when an event carries a consent statement', () => {
    const consentSet = compileRules([
      {
        id: 'granted',
        trigger: { type: 'condition' },
        condition: { 'consent.marketing': true },
        actions: [{ type: 'setTrait', trait: 'optedIn', value: true }],
      },
    ]);
    const profile = newProfile();
    const event = trackEvent('Clicked', T0, {
      context: { consent: { categoryPreferences: { marketing: true } } },
    });
    assert.deepEqual(fired(send(consentSet, profile, event)), ['granted']);
  });
});

describe('emitted events and chains', () => {
  const set = compileRules(
    [
      {
        id: 'welcome',
        trigger: { type: 'event', event: 'Signed Up' },
        actions: [
          { type: 'emit', event: 'Welcome Shown', properties: { via: 'rule' } },
          { type: 'emit', event: 'Checklist Started' },
        ],
      },
      {
        id: 'echo',
        trigger: { type: 'event', event: '*' },
        actions: [{ type: 'emit', event: 'Echo' }],
      },
    ],
    { maxChainDepth: 1 },
  );

  it('emit track events of the profile with a deterministic messageId and the chain depth', () => {
    const profile = newProfile();
    const event = trackEvent('Signed Up', T0, { messageId: 'src-1' });
    const outcome = send(set, profile, event);
    const emitted = outcome.effects.map((effect) =>
      effect.type === 'emit' ? effect.event : undefined,
    );
    assert.deepEqual(emitted[0], {
      type: 'track',
      messageId: 'rule:welcome:src-1',
      userId: 'u1',
      event: 'Welcome Shown',
      properties: { via: 'rule' },
      context: { onramp: { rule: 'welcome', depth: 1 } },
      timestamp: T0,
      receivedAt: T0,
    });
    assert.equal(emitted[1]?.messageId, 'rule:welcome:src-1:1', 'a second emit of the rule');
    assert.equal(emitted[2]?.messageId, 'rule:echo:src-1');
  });

  it('use the first anonymousId of a profile without userId', () => {
    const profile = createProfile('p2', T0);
    profile.anonymousIds = ['anon-1', 'anon-2'];
    const outcome = send(
      set,
      profile,
      trackEvent('Signed Up', T0, { userId: undefined, anonymousId: 'anon-1' }),
    );
    const first = outcome.effects[0];
    assert.ok(first?.type === 'emit');
    assert.equal(first.event.anonymousId, 'anon-1');
    assert.equal('userId' in first.event, false);
  });

  it('never fire a rule on its own emitted event, and stop past maxChainDepth', () => {
    const profile = newProfile();
    const own = trackEvent('Echo', T0, { context: { onramp: { rule: 'echo', depth: 1 } } });
    assert.deepEqual(fired(send(set, profile, own, 1)), [], 'echo ignores its own event');
    const other = trackEvent('Welcome Shown', T0, {
      context: { onramp: { rule: 'welcome', depth: 1 } },
    });
    assert.deepEqual(fired(send(set, profile, other, 1)), ['echo']);
    const deep = trackEvent('Welcome Shown', T0, {
      context: { onramp: { rule: 'welcome', depth: 2 } },
    });
    const outcome = send(set, profile, deep, 2);
    assert.deepEqual(fired(outcome), []);
    assert.equal(outcome.changed, false);
  });
});

describe('placements', () => {
  const decide = (id: string, priority: number, content: string, extra = {}) => ({
    id,
    priority,
    trigger: { type: 'event', event: 'Ping' },
    actions: [{ type: 'decide', placement: 'banner', content, ...extra }],
  });

  it('go to the higher priority; equal priorities: first listed in a run, newest across runs', () => {
    const set = compileRules([
      decide('low', 0, 'low'),
      decide('high', 5, 'high'),
      decide('tie', 0, 'tie'),
    ]);
    const profile = newProfile();
    const outcome = send(set, profile, trackEvent('Ping', T0));
    assert.deepEqual(fired(outcome), ['high'], 'low and tie lose the placement to high');
    assert.equal(profile.decisions?.['banner']?.content, 'high');

    const lowOnly = compileRules([decide('low', 0, 'low'), decide('tie', 0, 'tie')], {}, 2);
    const other = newProfile();
    assert.deepEqual(fired(send(lowOnly, other, trackEvent('Ping', T0))), ['low']);
    const other2 = newProfile();
    other2.decisions = { banner: { content: 'tie', rule: 'tie', version: 2, priority: 0, at: T0 } };
    assert.deepEqual(fired(send(lowOnly, other2, trackEvent('Ping', T0 + 1))), ['low']);
    assert.equal(other2.decisions['banner']?.rule, 'low', 'an equal priority replaces across runs');
  });

  it('are taken from an expired decision or one whose rule is gone or disabled', () => {
    const v1 = compileRules([decide('high', 5, 'high', { ttl: '10m' }), decide('low', 0, 'low')]);
    const profile = newProfile();
    send(v1, profile, trackEvent('Ping', T0));
    assert.equal(profile.decisions?.['banner']?.expiresAt, T0 + 10 * MIN);
    const lowOnly = compileRules([
      { ...decide('high', 5, 'high'), trigger: { type: 'event', event: 'Other' } },
      decide('low', 0, 'low'),
    ]);
    assert.deepEqual(fired(send(lowOnly, profile, trackEvent('Ping', T0 + 10 * MIN - 1))), []);
    assert.deepEqual(fired(send(lowOnly, profile, trackEvent('Ping', T0 + 10 * MIN))), ['low']);

    const held = newProfile();
    held.decisions = { banner: { content: 'x', rule: 'gone', version: 1, priority: 100, at: T0 } };
    assert.deepEqual(fired(send(lowOnly, held, trackEvent('Ping', T0))), ['low'], 'rule gone');
    const disabled = compileRules([
      { ...decide('high', 5, 'high'), enabled: false },
      decide('low', 0, 'low'),
    ]);
    held.decisions = { banner: { content: 'x', rule: 'high', version: 1, priority: 5, at: T0 } };
    assert.deepEqual(fired(send(disabled, held, trackEvent('Ping', T0))), ['low'], 'rule disabled');
  });

  it('a rule losing one placement does not fire any of its actions', () => {
    const set = compileRules([
      decide('high', 5, 'high'),
      {
        id: 'both',
        trigger: { type: 'event', event: 'Ping' },
        actions: [
          { type: 'setTrait', trait: 'touched', value: true },
          { type: 'decide', placement: 'banner', content: 'b' },
        ],
      },
    ]);
    const profile = newProfile();
    assert.deepEqual(fired(send(set, profile, trackEvent('Ping', T0))), ['high']);
    assert.equal(profile.traits['touched'], undefined);
    assert.equal(profile.rules?.fired?.['both'], undefined, 'not recorded');
  });
});

describe('segment changes', () => {
  it('fire the segment triggers of that segment and direction', () => {
    const set = compileConfig({
      segments: [{ id: 'trial-ending', condition: { 'traits.trialDaysLeft': { $lte: 3 } } }],
      rules: [
        {
          id: 'entered',
          trigger: { type: 'segment', segment: 'trial-ending' },
          actions: [{ type: 'message', channel: 'email', template: 'upgrade' }],
        },
        {
          id: 'exited',
          trigger: { type: 'segment', segment: 'trial-ending', on: 'exited' },
          actions: [{ type: 'clearDecision', placement: 'banner' }],
        },
      ],
    });
    const profile = newProfile();
    const outcome = runRulesForSegmentChange(set, profile, 'trial-ending', 'entered', T0);
    assert.deepEqual(fired(outcome), ['entered']);
    assert.deepEqual(outcome.effects[0], {
      type: 'message',
      id: `entered:p1:segment:trial-ending:entered:${T0}`,
      profileId: 'p1',
      ruleId: 'entered',
      channel: 'email',
      template: 'upgrade',
      variables: {},
      at: T0,
    });
    assert.deepEqual(fired(runRulesForSegmentChange(set, profile, 'other', 'entered', T0)), []);
  });
});
