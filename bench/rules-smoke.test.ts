import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalCondition } from '@growthbook/growthbook';
import { compileProfilePlan } from '@onramp/core';
import {
  benchNow,
  benchProfileSettings,
  benchWindows,
  generateProfiles,
} from './lib/generated-profiles.js';
import { createHandwrittenRules } from './lib/handwritten-rules.js';
import { attributes, createAttributeReader, onboardingRules } from './lib/onboarding-rules.js';
import { measureRates } from './lib/rate.js';
import { handwrittenEvaluator, type SyncEvaluator } from './lib/rule-evaluators.js';
import { costRuleDefinitions, triggerEvent } from './lib/rule-set-cost.js';
import { and, compareVersions, is, not, or } from './lib/rule-terms.js';
import { checkAgreement, measureRules, rulesOptionsFromEnv } from './rules.js';

describe('rule terms', () => {
  it('writes one test in every language', () => {
    const forms = and(
      is(attributes.plan, { $eq: 'trial' }),
      is(attributes.featureUsed7d, { $gte: 3 }),
    );
    assert.deepEqual(forms.onramp, {
      'traits.plan': { $eq: 'trial' },
      $event: { name: 'Feature Used', within: '7d', count: { $gte: 3 } },
    });
    assert.deepEqual(forms.growthbook, { plan: { $eq: 'trial' }, featureUsed7d: { $gte: 3 } });
    assert.deepEqual(forms.jsonLogic, {
      and: [{ '===': [{ var: 'plan' }, 'trial'] }, { '>=': [{ var: 'featureUsed7d' }, 3] }],
    });
    assert.deepEqual(forms.jre, {
      all: [
        { fact: 'plan', operator: 'equal', value: 'trial' },
        { fact: 'featureUsed7d', operator: 'greaterThanInclusive', value: 3 },
      ],
    });
  });

  it('gives durations to Onramp and milliseconds to the peers, and nests $and when keys repeat', () => {
    const forms = and(
      is(attributes.sinceLastSeen, { $gte: '3d' }),
      not(is(attributes.plan, { $in: ['free'] })),
      or(is(attributes.plan, { $eq: 'pro' }), is(attributes.sessions, { $gte: 2 })),
    );
    assert.deepEqual(forms.onramp.$elapsed, { since: 'lastSeen', $gte: '3d' });
    assert.deepEqual(forms.growthbook.msSinceLastSeen, { $gte: 3 * 86_400_000 });
    assert.ok(evalCondition({ msSinceLastSeen: 4 * 86_400_000, plan: 'pro' }, forms.growthbook));
    assert.ok(!evalCondition({ msSinceLastSeen: 4 * 86_400_000, plan: 'free' }, forms.growthbook));
    const twice = and(is(attributes.plan, { $eq: 'pro' }), is(attributes.plan, { $ne: 'x' }));
    assert.deepEqual(twice.onramp, {
      $and: [{ 'traits.plan': { $eq: 'pro' } }, { 'traits.plan': { $ne: 'x' } }],
    });
    assert.throws(() => is(attributes.sinceLastSeen, { $gte: 5 }), /duration/);
    assert.throws(() => is(attributes.plan, { $type: 'string' } as never), /no peer form/);
  });

  it('compares versions numerically', () => {
    assert.ok(compareVersions('2.10.0', '2.9.9') > 0);
    assert.ok(compareVersions('1.10.2', '2.0.0') < 0);
    assert.equal(compareVersions('2.0', '2.0.0'), 0);
  });
});

describe('rules benchmark data', () => {
  const settings = benchProfileSettings();
  const plan = compileProfilePlan({ ...settings, windows: benchWindows(settings) });
  const profiles = generateProfiles(300, plan);

  it('generates the same profiles for the same seed, and every rule matches some but not all', () => {
    assert.deepEqual(generateProfiles(5, plan), profiles.slice(0, 5));
    const handwritten = handwrittenEvaluator(
      onboardingRules,
      createHandwrittenRules(plan),
      profiles,
      benchNow,
    );
    const hits = new Map<string, number>();
    for (let i = 0; i < profiles.length; i++) {
      for (const id of handwritten.matches(i)) hits.set(id, (hits.get(id) ?? 0) + 1);
    }
    assert.equal(onboardingRules.length, 50);
    assert.equal(new Set(onboardingRules.map((rule) => rule.id)).size, 50);
    const never = onboardingRules.filter((rule) => (hits.get(rule.id) ?? 0) === 0);
    const always = onboardingRules.filter((rule) => hits.get(rule.id) === profiles.length);
    assert.ok(never.length <= 2, `never match: ${never.map((rule) => rule.id).join(', ')}`);
    assert.deepEqual(always, []);
    const reader = createAttributeReader(plan, benchNow);
    assert.throws(() => reader.count(profiles[0] as never, 'Feature Used', '2h'), /not in the/);
  });

  it('reports evaluators that disagree', async () => {
    const reference = handwrittenEvaluator(
      onboardingRules,
      createHandwrittenRules(plan),
      profiles,
      benchNow,
    );
    const broken: SyncEvaluator = {
      name: 'broken',
      countMatches: (index) => reference.countMatches(index),
      matches: (index) => reference.matches(index).filter((id) => id !== 'light-touch'),
    };
    const asAsync = {
      name: 'async',
      countMatches: async (index: number) => reference.countMatches(index),
      matches: async (index: number) => reference.matches(index),
    };
    const result = await checkAgreement(reference, [broken], asAsync, 50);
    assert.ok(result.disagreements.length > 0);
    assert.match(result.disagreements[0] ?? '', /^broken, profile \d+: misses \[light-touch\]/);
    const clean = await checkAgreement(reference, [reference], asAsync, 50);
    assert.deepEqual(clean.disagreements, []);
    assert.equal(clean.matchesPerProfile.length, 50);
  });

  it('builds a 1 000-rule set with the same 10 rules on the measured event', () => {
    const large = costRuleDefinitions(1000);
    const small = costRuleDefinitions(10);
    assert.equal(large.length, 1000);
    assert.equal(new Set(large.map((rule) => rule.id)).size, 1000);
    const onEvent = large.filter(
      (rule) => rule.trigger.type === 'event' && rule.trigger.event === triggerEvent,
    );
    assert.deepEqual(onEvent.map((rule) => rule.id).sort(), small.map((rule) => rule.id).sort());
  });
});

describe('rates and options', () => {
  it('measures units per second over whole passes, rounds interleaved', async () => {
    const order: string[] = [];
    const rates = await measureRates(
      [{ sync: () => (order.push('a'), 10) }, { async: async () => (order.push('b'), 1) }],
      { rounds: 3, minMs: 2 },
    );
    assert.equal(rates.length, 2);
    for (const rate of rates) {
      assert.equal(rate.rounds.length, 3);
      assert.ok(rate.perSecond > 0);
    }
    assert.ok((rates[0]?.perSecond ?? 0) > (rates[1]?.perSecond ?? 0));
    // Both warm up, then each round visits both: b runs before a's last round.
    assert.ok(order.indexOf('b') < order.lastIndexOf('a'));
  });

  it('reads the knobs and refuses bad ones', () => {
    assert.equal(rulesOptionsFromEnv({}).profiles, 10_000);
    assert.equal(rulesOptionsFromEnv({ BENCH_RULE_PROFILES: '500' }).profiles, 500);
    assert.throws(() => rulesOptionsFromEnv({ BENCH_RULE_ROUNDS: '0' }), /BENCH_RULE_ROUNDS/);
    assert.throws(() => rulesOptionsFromEnv({ BENCH_RULE_PROFILES: 'many' }), /positive/);
  });
});

describe('rules suite, tiny run', () => {
  it('agrees across the five evaluators and produces every key', async () => {
    const report = await measureRules(
      { profiles: 300, jreProfiles: 20, costProfiles: 20, rounds: 1, minMs: 5 },
      () => {},
    );
    assert.deepEqual(report.errors, []);
    assert.match(report.notes[0] ?? '', /the five evaluators agree/);
    for (const key of [
      'rules_ratio_vs_json_rules_engine',
      'rules_ratio_vs_json_logic',
      'rules_ratio_vs_growthbook',
      'rules_ratio_vs_handwritten',
      'rules_1000_vs_10_cost_ratio',
      'rules_onramp_profiles_per_s',
      'rules_us_per_rule_onramp',
    ]) {
      const value = report.figures[key];
      assert.ok(value !== undefined && Number.isFinite(value) && value > 0, `${key} = ${value}`);
    }
  });
});
