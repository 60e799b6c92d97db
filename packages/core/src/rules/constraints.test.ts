import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProfile } from '../profiles/apply-event.js';
import type { ProfileState } from '../profiles/profile.js';
import { checkConstraints, profileZone, recordFiring } from './constraints.js';
import { compileRules, trackEvent } from './rule-fixtures.js';
import type { CompiledRuleSet } from './rule.js';
import { runtimeOf, type RuleRuntime, type RuleSetRuntime } from './rule-runtime.js';
import { runRulesForEvent } from './run-rules.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 6, 1, 12, 0, 0); // Wednesday, 12:00 UTC

function ruleWith(constraints: Record<string, unknown>, actions?: unknown[]) {
  return {
    id: 'r',
    trigger: { type: 'event', event: 'Ping' },
    actions: actions ?? [{ type: 'decide', placement: 'banner', content: 'hello' }],
    constraints,
  };
}

function setup(
  constraints: Record<string, unknown>,
  settings = {},
): { set: RuleSetRuntime; rule: RuleRuntime; profile: ProfileState } {
  const set = runtimeOf(compileRules([ruleWith(constraints)], settings));
  const profile = createProfile('p1', T0);
  return { set, rule: set.rules[0] as RuleRuntime, profile };
}

function fire(set: CompiledRuleSet, profile: ProfileState, at: number): boolean {
  const outcome = runRulesForEvent(set, profile, trackEvent('Ping', at), { now: at, depth: 0 });
  return outcome.firings.length === 1;
}

describe('caps, cooldowns and once', () => {
  it('caps firings per window, counting a firing until exactly `per` after it', () => {
    const { set, profile } = setup({ cap: { count: 2, per: '1h' } });
    assert.equal(fire(set, profile, T0), true);
    assert.equal(fire(set, profile, T0 + 10 * MIN), true);
    assert.equal(fire(set, profile, T0 + 20 * MIN), false, 'third within the hour');
    assert.equal(fire(set, profile, T0 + HOUR - 1), false, '1 ms before the first expires');
    assert.equal(fire(set, profile, T0 + HOUR), true, 'the first stops counting at T0 + 1h');
    assert.equal(fire(set, profile, T0 + HOUR + 1), false);
    assert.deepEqual(profile.rules?.fired?.['r'], [T0 + HOUR, 3, T0 + 10 * MIN, T0 + HOUR]);
  });

  it('waits a cooldown, allowing the next firing at exactly last + cooldown', () => {
    const { set, rule, profile } = setup({ cooldown: '30m' });
    recordFiring(set, rule, profile, T0);
    assert.equal(checkConstraints(set, rule, profile, T0 + 30 * MIN - 1), 'cooldown');
    assert.equal(checkConstraints(set, rule, profile, T0 + 30 * MIN), undefined);
  });

  it('fires once per user', () => {
    const { set, profile } = setup({ once: true });
    assert.equal(fire(set, profile, T0), true);
    assert.equal(fire(set, profile, T0 + 365 * 24 * HOUR), false);
    assert.deepEqual(profile.rules?.fired?.['r'], [T0, 1], 'no recent list without a cap');
  });
});

describe('active period, consent and quiet hours', () => {
  it('fires from activeFrom (included) until activeUntil (excluded)', () => {
    const { set, rule, profile } = setup({
      activeFrom: '2026-07-01T12:00:00Z',
      activeUntil: '2026-07-02T12:00:00Z',
    });
    assert.equal(checkConstraints(set, rule, profile, T0 - 1), 'inactive-period');
    assert.equal(checkConstraints(set, rule, profile, T0), undefined);
    assert.equal(checkConstraints(set, rule, profile, T0 + 24 * HOUR - 1), undefined);
    assert.equal(checkConstraints(set, rule, profile, T0 + 24 * HOUR), 'inactive-period');
  });

  it('requires an explicit grant of the consent category', () => {
    const { set, rule, profile } = setup({ consent: 'marketing' });
    assert.equal(checkConstraints(set, rule, profile, T0), 'no-consent', 'never stated');
    profile.consent = { categories: { marketing: false }, updatedAt: T0 };
    assert.equal(checkConstraints(set, rule, profile, T0), 'no-consent');
    profile.consent = { categories: { marketing: true }, updatedAt: T0 };
    assert.equal(checkConstraints(set, rule, profile, T0), undefined);
  });

  it('keeps quiet hours in the user timezone, across midnight', () => {
    const { set, rule, profile } = setup({ quietHours: { from: '22:00', to: '07:00' } });
    const paris = (hh: number, mm = 0) => Date.UTC(2026, 6, 1, hh - 2, mm); // CEST = UTC+2
    profile.traits['timezone'] = 'Europe/Paris';
    assert.equal(checkConstraints(set, rule, profile, paris(21, 59)), undefined);
    assert.equal(checkConstraints(set, rule, profile, paris(22)), 'quiet-hours');
    assert.equal(checkConstraints(set, rule, profile, paris(23, 30)), 'quiet-hours');
    assert.equal(checkConstraints(set, rule, profile, Date.UTC(2026, 6, 2, 4, 59)), 'quiet-hours');
    assert.equal(checkConstraints(set, rule, profile, Date.UTC(2026, 6, 2, 5, 0)), undefined);
    // 22:30 UTC is quiet in UTC (the default), not in Paris (00:30 → quiet too), nor in New York (18:30).
    profile.traits['timezone'] = 'America/New_York';
    assert.equal(checkConstraints(set, rule, profile, Date.UTC(2026, 6, 1, 22, 30)), undefined);
  });

  it('takes the timezone from traits, else the last touch, else the default; bad names fall back', () => {
    const { set, profile } = setup({}, { defaultTimezone: 'Asia/Tokyo' });
    const zoneOf = () => profileZone(set, profile).resolvedOptions().timeZone;
    assert.equal(zoneOf(), 'Asia/Tokyo');
    profile.lastTouch = { at: T0, timezone: 'Europe/Paris' };
    assert.equal(zoneOf(), 'Europe/Paris');
    profile.traits['timezone'] = 'America/New_York';
    assert.equal(zoneOf(), 'America/New_York');
    profile.traits['timezone'] = 'Not/AZone';
    assert.equal(zoneOf(), 'Europe/Paris', 'an invalid trait is skipped');
    profile.lastTouch = { at: T0, timezone: '__proto__' };
    assert.equal(zoneOf(), 'Asia/Tokyo');
  });
});

describe('fatigue budget', () => {
  const rules = [
    { ...ruleWith({}), id: 'banner' },
    {
      ...ruleWith({}, [{ type: 'message', channel: 'email', template: 'tip' }]),
      id: 'email',
    },
    { ...ruleWith({}, [{ type: 'setTrait', trait: 'pinged', value: true }]), id: 'silent' },
    {
      ...ruleWith({ fatigue: false }, [{ type: 'decide', placement: 'side', content: 'x' }]),
      id: 'exempt',
    },
  ];

  it('caps prompts across rules and channels; silent and exempt rules do not count', () => {
    const set = compileRules(rules, { fatigue: { max: 3, per: '24h' } });
    const profile = createProfile('p1', T0);
    const first = runRulesForEvent(set, profile, trackEvent('Ping', T0), { now: T0, depth: 0 });
    assert.deepEqual(
      first.firings.map((f) => f.ruleId),
      ['banner', 'email', 'silent', 'exempt'],
    );
    assert.deepEqual(profile.rules?.prompts, [T0, T0]);
    const at = T0 + HOUR;
    const second = runRulesForEvent(set, profile, trackEvent('Ping', at), { now: at, depth: 0 });
    assert.deepEqual(
      second.firings.map((f) => f.ruleId),
      ['banner', 'silent', 'exempt'],
      'the third prompt uses the budget; the email is then over it',
    );
    assert.deepEqual(profile.rules?.prompts, [T0, T0, at]);
    const later = T0 + 24 * HOUR;
    const third = runRulesForEvent(set, profile, trackEvent('Ping', later), {
      now: later,
      depth: 0,
    });
    assert.deepEqual(
      third.firings.map((f) => f.ruleId),
      ['banner', 'email', 'silent', 'exempt'],
      'the two prompts at T0 expire exactly 24 h later',
    );
    assert.equal(profile.rules?.prompts?.length, 3, 'bounded by max');
  });

  it('counts a silent rule that opts in', () => {
    const set = compileRules(
      [{ ...ruleWith({ fatigue: true }, [{ type: 'setTrait', trait: 'x', value: 1 }]) }],
      { fatigue: { max: 1, per: '1h' } },
    );
    const profile = createProfile('p1', T0);
    assert.equal(fire(set, profile, T0), true);
    assert.equal(fire(set, profile, T0 + MIN), false);
  });

  it('keeps no prompt list without a fatigue budget', () => {
    const { set, profile } = setup({});
    fire(set, profile, T0);
    assert.equal(profile.rules?.prompts, undefined);
  });
});
